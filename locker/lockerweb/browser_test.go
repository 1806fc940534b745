package lockerweb_test

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"bonafide/locker"

	"bonafide/web/webkit/browsertest"
)

func decodeBase64(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }

// link selects the link in main whose text is text.
func link(text string) chromedp.Search {
	return chromedp.Search("//main//a[normalize-space()='" + text + "']")
}

// writeFiles writes name → content into a fresh directory and returns
// their paths, for the browser's file inputs.
func writeFiles(t *testing.T, files map[string][]byte) map[string]string {
	t.Helper()
	dir := t.TempDir()
	out := map[string]string{}
	for n, b := range files {
		p := filepath.Join(dir, n)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		out[n] = p
	}
	return out
}

const sponsorEmail = "From: Concerned Parent <concerned@example.invalid>\r\n" +
	"To: partnerships@acme-baby.example\r\n" +
	"Subject: The family you sponsor\r\n" +
	"Date: Thu, 26 Feb 2026 08:00:00 +0000\r\n" +
	"Message-ID: <1@example.invalid>\r\n" +
	"\r\n" +
	"The family you sponsor is under investigation by social services for neglect. You should drop them.\r\n"

// TestParentWalk is a parent's walk through every screen in Chromium, each
// screen and its error states checked by axe-core: create the locker,
// capture a forum page served on loopback, add a letter and an e-mail,
// import posts, write a diary entry and edit it, read the timeline with
// its links, delete an item, make the dossier and bundle, download both,
// check the bundle (intact, then damaged, then not a zip), lock and
// unlock.
func TestParentWalk(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, envOptions{})
	forum := forumServer(t)
	if *screenshots != "" {
		if err := os.MkdirAll(*screenshots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := writeFiles(t, map[string][]byte{
		"sponsor-letter.txt": []byte("To Acme Baby Co. The family you sponsor is under investigation by social services for neglect. You should drop them."),
		"to-sponsor.eml":     []byte(sponsorEmail),
		"tweets.js": tweetsJS(
			[3]string{"1890000000000000001", "Welcome to the world, little Maisie! Born this morning, 7lb 2oz, we are over the moon", "Sat Feb 14 09:30:00 +0000 2026"},
			[3]string{"1890000000000000002", "Maisie had her first go in the paddling pool today, she loved splashing in the garden while I hung the washing", "Sat Feb 21 15:10:00 +0000 2026"},
		),
		"not-an-export.json": []byte(`{"hello": "world"}`),
		"not-a-bundle.zip":   []byte("this is not a zip file"),
	})

	// Create the locker.
	b.open(e.URL + e.ui.StartPath())
	if h := b.heading(); h != "Create your locker" {
		t.Fatalf("first screen = %q, want Create your locker", h)
	}
	b.check("create")
	b.button()
	b.contains("create, empty", "There is a problem", "Enter a passphrase")
	b.check("create-errors")
	b.fill("passphrase", passphrase, "again", "correct horse battery!")
	b.button()
	b.contains("create, different", "The two passphrases are different")
	b.fill("passphrase", passphrase, "again", passphrase)
	b.button()
	if h := b.heading(); h != "Your evidence locker" {
		t.Fatalf("after create = %q", h)
	}
	b.contains("home, empty", "Your locker has been created", "Your locker is empty", "What to do next")
	b.check("home-empty")

	// A web page, by its address.
	b.Run(browsertest.Submit(link("Add a web page")))
	b.check("add-page")
	b.button()
	b.contains("add page, empty", "Enter the page's address")
	b.fill("url", "forum.example/threads/123", "when-day", "31", "when-month", "2", "when-year", "2026")
	b.button()
	b.contains("add page, bad", "starting with https:// or http://", "must be a real date")
	b.check("add-page-errors")
	b.fill("url", forum.URL+"/threads/price-family-watch.123/page-14", "title", "Forum thread: they would report us")
	b.date("when", time.Date(2026, 2, 22, 20, 0, 0, 0, time.Local))
	b.button()
	b.contains("home after capture", "has been captured", "It has been time-stamped", "Forum thread: they would report us")

	// Files: a letter and an e-mail.
	b.open(e.URL + "/add/files")
	b.check("add-files")
	b.button()
	b.contains("add files, none", "Choose one or more files to add")
	b.check("add-files-errors")
	b.Run(chromedp.SetUploadFiles(chromedp.ID("files"), []string{files["sponsor-letter.txt"], files["to-sponsor.eml"]}),
		chromedp.SetValue(chromedp.ID("category"), locker.CategorySponsor))
	b.date("when", time.Date(2026, 2, 26, 8, 0, 0, 0, time.Local))
	b.button()
	b.contains("home after files", "2 files added", "sponsor-letter.txt", "The family you sponsor")

	// Posts from an X archive.
	b.open(e.URL + "/add/posts")
	b.check("add-posts")
	b.Run(chromedp.SetUploadFiles(chromedp.ID("export"), []string{files["not-an-export.json"]}))
	b.button()
	b.contains("add posts, wrong file", "This file is not one the locker can read")
	b.check("add-posts-errors")
	b.Run(chromedp.SetUploadFiles(chromedp.ID("export"), []string{files["tweets.js"]}))
	b.fill("handle", "@pricefamily")
	b.button()
	b.contains("home after posts", "2 of your posts have been added")

	// A diary entry, then a second version of it.
	b.open(e.URL + "/diary/new")
	b.check("diary")
	b.button()
	b.contains("diary, empty", "Enter the date it happened", "Enter what happened")
	b.check("diary-errors")
	b.date("when", time.Date(2026, 2, 23, 10, 15, 0, 0, time.Local))
	b.fill("who", "Duty social worker, Northbury Children's Services, by phone",
		"what", "They had an anonymous referral: the baby Maisie was left splashing alone in the paddling pool in the garden while the mother hung the washing.")
	b.Run(chromedp.SetValue(chromedp.ID("category"), locker.CategoryReferral))
	b.button()
	b.contains("diary saved", "saved as version 1", "Version 1, written")
	b.Run(browsertest.Submit(link("Edit this entry")))
	b.check("diary-edit")
	b.fill("what", "They had an anonymous referral: the baby Maisie was left splashing alone in the paddling pool in the garden while the mother hung the washing. They said they would visit on Friday.")
	b.button()
	b.contains("diary edited", "saved as version 2", "The earlier versions are kept", "Version 2, written", "Version 1, written", "visit on Friday")
	b.check("diary-versions")
	if n := get(b, chromedp.Evaluate[int](`[...document.querySelectorAll('.govuk-summary-card')].filter(c => c.textContent.includes('They had an anonymous referral')).length`)); n != 2 {
		t.Errorf("the diary entry shows %d versions' text, want 2", n)
	}

	// The timeline and its links.
	b.open(e.URL + "/timeline")
	b.contains("timeline", "restates a post", "was announced on a forum", "came after a birth announcement", "Linked")
	b.check("timeline")

	// The captured page, with its picture.
	b.open(e.URL + "/")
	b.Run(browsertest.Submit(link("Forum thread: they would report us")))
	b.contains("page item", "What it looked like", "screenshot.png", "page.mhtml", "Address after redirects")
	if w := get(b, chromedp.Evaluate[int](`document.querySelector('main img').naturalWidth`)); w == 0 {
		t.Error("the captured page's screenshot does not load")
	}
	b.check("item-page")

	// Delete the letter (it is also in the e-mail).
	b.open(e.URL + "/")
	b.Run(browsertest.Submit(link("sponsor-letter.txt")))
	b.Run(browsertest.Submit(link("Delete this item")))
	b.check("delete")
	b.button()
	b.contains("delete, no reason", "Enter why you are deleting it")
	b.check("delete-errors")
	b.fill("why", "Added twice: the e-mail has the same words")
	b.button()
	b.contains("home after delete", "has been deleted", "custody log records that you deleted it", "(1 deleted)")

	// The dossier and the bundle.
	b.open(e.URL + "/export")
	b.check("export")
	b.button()
	b.contains("export, no name", "Enter your family's name")
	b.check("export-errors")
	b.fill("family", "The Price family", "to", "Officer in the case, Northshire Police", "preparer", "Zoë Price")
	b.button()
	b.contains("exported", "Your dossier and bundle are ready", "5 exhibits", "Download the dossier (PDF)")
	b.check("exported")
	pdf := b.fetch("/export/dossier.pdf")
	bundle := b.fetch("/export/bundle.zip")
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("dossier download is not a PDF: %q", pdf[:min(20, len(pdf))])
	}
	rep, err := locker.Verify(bytes.NewReader(bundle), int64(len(bundle)), "")
	if err != nil || !rep.OK() || len(rep.Exhibits) != 5 {
		t.Fatalf("downloaded bundle: %v %v, %d exhibits", err, rep.Problems, len(rep.Exhibits))
	}

	// Check the bundle: intact, damaged, not a bundle.
	damaged := damage(t, bundle, "exhibits/E2/")
	paths := writeFiles(t, map[string][]byte{"bundle.zip": bundle, "damaged.zip": damaged})
	b.open(e.URL + "/verify")
	b.check("verify")
	b.button()
	b.contains("verify, none", "Choose the bundle file")
	b.check("verify-errors")
	b.Run(chromedp.SetUploadFiles(chromedp.ID("bundle"), []string{files["not-a-bundle.zip"]}))
	b.button()
	b.contains("verify, not a zip", "This file is not a bundle")
	b.Run(chromedp.SetUploadFiles(chromedp.ID("bundle"), []string{paths["bundle.zip"]}))
	b.button()
	if h := b.heading(); h != "The bundle is intact" {
		t.Errorf("checking the bundle = %q, want intact", h)
	}
	b.contains("verified", "5 exhibits checked", "Intact")
	b.check("verified")
	b.open(e.URL + "/verify")
	b.Run(chromedp.SetUploadFiles(chromedp.ID("bundle"), []string{paths["damaged.zip"]}))
	b.button()
	if h := b.heading(); h != "The bundle has been changed or damaged" {
		t.Errorf("checking the damaged bundle = %q", h)
	}
	b.contains("verified, damaged", "exhibit E2: exhibits/E2/", "changed", "Changed")
	if rows := get(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll('tbody tr')].map(r => r.cells[0].textContent.slice(0, 2) + ' ' + r.cells[1].textContent.trim())`)); strings.Join(rows, ",") != "E1 Intact,E2 Changed,E3 Intact,E4 Intact,E5 Intact" {
		t.Errorf("exhibit rows of the damaged bundle = %q, want only E2 changed", rows)
	}
	b.check("verified-damaged")

	// Lock, then unlock (a wrong passphrase first).
	b.Run(browsertest.Submit(chromedp.CSS(".app-sign-out__button")))
	if h := b.heading(); h != "Your locker is locked" {
		t.Fatalf("after Lock = %q", h)
	}
	b.check("locked")
	b.open(e.URL + "/")
	if h := b.heading(); h != "Unlock your locker" {
		t.Fatalf("a locked locker's home = %q, want the unlock screen", h)
	}
	b.check("unlock")
	b.fill("passphrase", "not the passphrase")
	b.button()
	b.contains("unlock, wrong", "That passphrase does not open this locker")
	b.check("unlock-errors")
	b.fill("passphrase", passphrase)
	b.button()
	b.contains("home, full", "5 items in your locker (1 deleted)", "In your locker")
	b.check("home")
}

// damage changes one byte of the first member under prefix.
func damage(t *testing.T, bundle []byte, prefix string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(bundle), int64(len(bundle)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	done := false
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !done && strings.HasPrefix(f.Name, prefix) && len(data) > 0 {
			data[len(data)/2] ^= 0x20
			done = true
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if !done {
		t.Fatalf("no member under %s", prefix)
	}
	return out.Bytes()
}

// TestTimestampLaterScreen: with the time-stamping authority down, a
// diary entry is kept with its stamp pending and the home screen says so
// and offers "Time-stamp now"; pressed while still down it says the items
// still wait; once the authority answers, it stamps them.
func TestTimestampLaterScreen(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, envOptions{})
	e.tsa.down.Store(true)
	b.open(e.URL + e.ui.StartPath())
	b.fill("passphrase", passphrase, "again", passphrase)
	b.button()
	b.open(e.URL + "/diary/new")
	b.date("when", time.Date(2026, 3, 2, 16, 0, 0, 0, time.Local))
	b.fill("what", "Reported the letters and referrals to PC Hale.")
	b.button()
	b.contains("diary while offline", "Pending: the time-stamping service could not be reached")
	b.open(e.URL + "/")
	b.contains("home, pending", "1 item is not time-stamped yet", "Time-stamp pending")
	b.check("home-pending")
	b.Run(browsertest.Submit(chromedp.CSS("form[action='/timestamp'] button")))
	b.contains("still down", "0 items were time-stamped. 1 is still waiting")
	e.tsa.down.Store(false)
	b.Run(browsertest.Submit(chromedp.CSS("form[action='/timestamp'] button")))
	b.contains("stamped", "1 item was time-stamped", "Time-stamped")
	if strings.Contains(b.text(), "not time-stamped yet") {
		t.Error("home still says an item is not time-stamped")
	}
	b.check("home-stamped")
}
