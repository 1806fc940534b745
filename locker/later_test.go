package locker_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bonafide/casework"
	"bonafide/locker"
	"bonafide/report"
)

// TestTimestampLater: an item recorded while the authority is out of
// reach is kept with its stamp pending (an unreachable address, and an
// authority answering 503), the bundle says so and still verifies, and
// Timestamp obtains the token once the authority answers, entering it in
// the custody log without changing the item's digest or custody entry.
func TestTimestampLater(t *testing.T) {
	ctx := context.Background()
	tsa := newTSA(t)
	tsa.down.Store(true)
	l, path := newLocker(t, tsa.srv.URL)
	d, err := l.AddDiary(ctx, locker.DiaryInput{When: time.Date(2026, 2, 23, 10, 15, 0, 0, time.UTC), What: "Phone call from the duty social worker"})
	if err != nil {
		t.Fatalf("AddDiary with the authority down = %v, want it kept pending", err)
	}
	if d.Stamp != nil || !strings.Contains(d.StampPending, "503") {
		t.Fatalf("diary entry stamp = %v, pending %q; want no token, pending naming the 503", d.Stamp, d.StampPending)
	}
	rep := verify(t, export(t, l), l.VerifierKey())
	if !rep.OK() || len(rep.Exhibits) != 1 || rep.Exhibits[0].Stamped {
		t.Fatalf("bundle with a pending stamp: problems %v, exhibits %+v; want OK and unstamped", rep.Problems, rep.Exhibits)
	}

	// Still down: Timestamp leaves it pending.
	got, err := l.Timestamp(ctx)
	if err != nil || len(got.Stamped) != 0 || len(got.Waiting) != 1 {
		t.Fatalf("Timestamp while down = %d stamped, %d waiting, %v; want 0, 1", len(got.Stamped), len(got.Waiting), err)
	}

	// A second item while the network is gone altogether (a closed port).
	l.Close()
	closed := newTSA(t)
	closed.srv.Close()
	l2, err := locker.Open(ctx, path, []byte("correct horse battery"), locker.Config{TSA: closed.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	f, err := l2.AddFile(ctx, locker.FileInput{Name: "letter.txt", Data: []byte("To the sponsor"), Category: locker.CategorySponsor})
	if err != nil || f.StampPending == "" {
		t.Fatalf("AddFile with no network = %v, pending %q; want it kept pending", err, f.StampPending)
	}
	l2.Close()

	tsa.down.Store(false)
	l3, err := locker.Open(ctx, path, []byte("correct horse battery"), locker.Config{TSA: tsa.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l3.Close() })
	got, err = l3.Timestamp(ctx)
	if err != nil || len(got.Stamped) != 2 || len(got.Waiting) != 0 {
		t.Fatalf("Timestamp with the authority up = %d stamped, %d waiting, %v; want 2, 0", len(got.Stamped), len(got.Waiting), err)
	}
	items, err := l3.Items(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Stamp == nil || it.StampPending != "" {
			t.Errorf("item %s after Timestamp: stamp %v, pending %q", it.Title, it.Stamp, it.StampPending)
			continue
		}
		if _, err := locker.CheckToken(it.Stamp.Token, it.Digest); err != nil {
			t.Errorf("item %s token: %v", it.Title, err)
		}
	}
	if items[0].Digest != d.Digest || items[0].Custody != d.Custody {
		t.Errorf("diary entry after Timestamp: digest %s custody %d, want %s %d unchanged", items[0].Digest, items[0].Custody, d.Digest, d.Custody)
	}
	if err := l3.VerifyCustody(ctx); err != nil {
		t.Fatal(err)
	}
	// Again: nothing left to stamp.
	if again, err := l3.Timestamp(ctx); err != nil || len(again.Stamped)+len(again.Waiting) != 0 {
		t.Errorf("second Timestamp = %d stamped, %d waiting, %v; want nothing", len(again.Stamped), len(again.Waiting), err)
	}
	rep = verify(t, export(t, l3), l3.VerifierKey())
	if !rep.OK() {
		t.Fatalf("bundle after Timestamp: %v", rep.Problems)
	}
	for _, c := range rep.Exhibits {
		if !c.Stamped || c.Authority == "" {
			t.Errorf("exhibit %s after Timestamp: stamped %v by %q", c.Number, c.Stamped, c.Authority)
		}
	}

	// Without an authority configured, Timestamp says so.
	l3.Close()
	l4, err := locker.Open(ctx, path, []byte("correct horse battery"), locker.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer l4.Close()
	if _, err := l4.Timestamp(ctx); err == nil || !strings.Contains(err.Error(), "no time-stamping authority") {
		t.Errorf("Timestamp without a TSA = %v, want it to say none is configured", err)
	}
}

// TestTSARoots: at verify time a token's authority is checked against the
// roots the verifier trusts; one from an authority outside them is named.
func TestTSARoots(t *testing.T) {
	ctx := context.Background()
	tsa := newTSA(t)
	l, _ := newLocker(t, tsa.srv.URL)
	if _, err := l.AddDiary(ctx, locker.DiaryInput{When: time.Now(), What: "A visit"}); err != nil {
		t.Fatal(err)
	}
	b := export(t, l)
	trusted := x509.NewCertPool()
	trusted.AddCert(tsa.root)
	other := x509.NewCertPool()
	other.AddCert(newTSA(t).root)
	for _, tc := range []struct {
		name    string
		roots   *x509.CertPool
		problem string // "" for none
		trusted bool
	}{
		{"no roots: named, not checked", nil, "", false},
		{"its own root", trusted, "", true},
		{"another authority's root", other, "exhibit E1: tokens/E1.tst: time-stamped by CN=Test TSA,O=bonafide tests, which is not a trusted time-stamping authority", false},
		{"an empty pool", x509.NewCertPool(), "which is not a trusted time-stamping authority", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := locker.VerifyWith(bytes.NewReader(b), int64(len(b)), locker.VerifyOptions{Key: l.VerifierKey(), TSARoots: tc.roots})
			if err != nil {
				t.Fatal(err)
			}
			var all []string
			for _, p := range rep.Problems {
				all = append(all, p.String())
			}
			joined := strings.Join(all, "\n")
			switch {
			case tc.problem == "" && len(all) != 0:
				t.Errorf("problems = %q, want none", all)
			case tc.problem != "" && !strings.Contains(joined, tc.problem):
				t.Errorf("problems = %q, want one containing %q", all, tc.problem)
			}
			if got := rep.Exhibits[0].AuthorityTrusted; got != tc.trusted {
				t.Errorf("AuthorityTrusted = %v, want %v", got, tc.trusted)
			}
		})
	}
}

// TestDossierCharacters: a dossier quoting text outside Windows-1252
// (Maisie’s café trip with a ☕, a Polish name) prints it in the embedded
// font, as the agency's letters do; only what no font has becomes "?";
// and the family's name reads "against the Price family".
func TestDossierCharacters(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) is needed to read the dossier back: apt-get install -y poppler-utils")
	}
	lh, err := casework.NewLetterhead(casework.DejaVu[0], casework.DejaVu[1])
	if err != nil {
		t.Skipf("DejaVu Sans: %v (apt-get install -y fonts-dejavu-core)", err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		font *report.Renderer
		want []string
		not  []string
	}{
		{"DejaVu fallback", lh.PDF, []string{"café trip ☕ she slept", "Łucja", "against the Price family", "for the Price family"}, []string{"trip ? she", "against The Price", "for The Price"}},
		{"Helvetica only", nil, []string{"café trip ? she slept", "?ucja", "against the Price family"}, []string{"against The Price"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f.locker")
			l, err := locker.Create(ctx, path, []byte("correct horse battery"), locker.Config{KDF: testKDF, PDF: tc.font})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if _, err := l.ImportPosts(ctx, instagramPosts(struct {
				caption string
				at      time.Time
			}{"Maisie’s first café trip ☕ she slept through the whole thing", time.Date(2026, 2, 24, 12, 0, 0, 0, time.UTC)}), "price.family"); err != nil {
				t.Fatal(err)
			}
			if _, err := l.AddDiary(ctx, locker.DiaryInput{When: time.Date(2026, 2, 25, 9, 0, 0, 0, time.UTC), Who: "Łucja from the nursery", What: "Łucja rang about a letter", Title: "Łucja rang", Category: locker.CategorySchool}); err != nil {
				t.Fatal(err)
			}
			var pdf []byte
			var buf bytes.Buffer
			dossier := l.DossierFunc(ctx, locker.DossierOptions{Family: "The Price family", Date: time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)})
			if _, err := l.Export(ctx, &buf, locker.ExportOptions{Dossier: func(ex []locker.Exhibit) ([]byte, error) {
				pdf, err = dossier(ex)
				return pdf, err
			}}); err != nil {
				t.Fatal(err)
			}
			f := filepath.Join(t.TempDir(), "d.pdf")
			if err := os.WriteFile(f, pdf, 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("pdftotext", "-raw", f, "-").Output()
			if err != nil {
				t.Fatalf("pdftotext: %v", err)
			}
			text := strings.Join(strings.Fields(string(out)), " ")
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("dossier text lacks %q:\n%s", w, text)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(text, w) {
					t.Errorf("dossier text has %q", w)
				}
			}
		})
	}
}

// TestExhibitMarkedChanged: an exhibit whose part changed, was removed or
// was added to is not OK in the report (the CLI's and web interface's
// per-exhibit line), as well as named among the problems; the others are.
func TestExhibitMarkedChanged(t *testing.T) {
	ctx := context.Background()
	l, _ := newLocker(t, "")
	for _, w := range []string{"first", "second", "third"} {
		if _, err := l.AddDiary(ctx, locker.DiaryInput{When: time.Now(), What: "The " + w + " call"}); err != nil {
			t.Fatal(err)
		}
	}
	b := export(t, l)
	for _, tc := range []struct {
		name  string
		edit  func(string, []byte) []byte
		extra map[string][]byte
	}{
		{"a part changed", func(n string, d []byte) []byte {
			if n == "exhibits/E2/v1.txt" {
				d = append([]byte{}, d...)
				d[0] ^= 1
			}
			return d
		}, nil},
		{"a part removed", func(n string, d []byte) []byte {
			if n == "exhibits/E2/v1.txt" {
				return nil
			}
			return d
		}, nil},
		{"a file added", func(n string, d []byte) []byte { return d }, map[string][]byte{"exhibits/E2/extra.txt": []byte("x")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := verify(t, rezip(t, b, tc.edit, tc.extra), l.VerifierKey())
			for _, c := range rep.Exhibits {
				if want := c.Number != "E2"; c.OK != want {
					t.Errorf("exhibit %s OK = %v, want %v (problems %v)", c.Number, c.OK, want, rep.Problems)
				}
			}
		})
	}
}
