package web_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"bonafide"

	"bonafide/web/webkit/browsertest"
)

// signInTOTPAt signs name in with the code of their authenticator app at
// now+ahead: a second sign-in of the same person within one 30-second step
// uses the next step's code, which the one step of skew allowed accepts,
// where the same code again would be a replay.
func (b *browser) signInTOTPAt(base, name string, c *client, ahead time.Duration) {
	b.t.Helper()
	code, err := totp.GenerateCode(c.secret, time.Now().Add(ahead))
	if err != nil {
		b.t.Fatal(err)
	}
	b.signIn(base, name, testPassword)
	b.Run(
		chromedp.WaitVisible(chromedp.ID("code")),
		chromedp.SendKeys(chromedp.ID("code"), code),
		browsertest.Submit(chromedp.CSS("main button[type=submit]")),
	)
	if loc := get(b, chromedp.Location()); strings.Contains(loc, "/sign-in") {
		b.t.Fatalf("signing %s in: %s", name, get(b, chromedp.Text(chromedp.CSS("main"))))
	}
}

// signOut signs the browser's person out.
func (b *browser) signOut(base string) {
	b.t.Helper()
	b.Run(chromedp.Navigate(base+"/account"), browsertest.Loaded(), browsertest.Submit(chromedp.CSS(".app-sign-out__button")))
}

// snap writes a screenshot of the page as it is into the -screenshots
// directory, when one is given (make screenshots).
func (b *browser) snap(file string) {
	b.t.Helper()
	if *screenshots == "" {
		return
	}
	if err := os.MkdirAll(*screenshots, 0o755); err != nil {
		b.t.Fatal(err)
	}
	png := get(b, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(*screenshots, file), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// summary returns the text of the page's error summary.
func (b *browser) summary() string {
	b.t.Helper()
	return get(b, chromedp.Text(chromedp.CSS(".govuk-error-summary")))
}

// referralsWithReporter returns n referral ids of the data set that have
// a named reporter.
func (e *env) referralsWithReporter(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	for _, id := range e.ids {
		s, err := e.store.ReferralByID(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if ref, ok := s.Record.(*bonafide.Referral); ok && ref.Reporter != nil && ref.Reporter.GivenName != "" && !ref.Reporter.Anonymous {
			out = append(out, id)
			if len(out) == n {
				return out
			}
		}
	}
	t.Fatalf("only %d referrals with a named reporter", len(out))
	return nil
}

// fileRequest fills in the police request form for referral, asking for
// fields (the checkboxes' ids), and files it; it returns the request's id.
func (b *browser) fileRequest(base, referral, crime string, fields ...string) string {
	b.t.Helper()
	b.Run(chromedp.Navigate(base+"/disclosures/new"), browsertest.Loaded(),
		chromedp.SendKeys(chromedp.ID("force"), "Northshire Police"),
		chromedp.SendKeys(chromedp.ID("officer"), "DC Ferris Amberley 4471"),
		chromedp.SetValue(chromedp.ID("officer_rank"), "constable"),
		chromedp.SendKeys(chromedp.ID("authorising_officer"), "DI Maren Quell"),
		chromedp.SetValue(chromedp.ID("authorising_rank"), "inspector"),
		chromedp.SendKeys(chromedp.ID("crime_reference"), crime),
		chromedp.Click(chromedp.ID("offence")),
		chromedp.Click(chromedp.ID("legal_basis")),
		chromedp.SetValue(chromedp.ID("referrals"), referral),
		chromedp.SetValue(chromedp.ID("necessity"), "The family reports a campaign of false referrals; the sender must be identified to be interviewed."),
		chromedp.SetValue(chromedp.ID("proportionality"), "Only the sender of these referrals is asked about; the force's own enquiries found no other way to trace them."),
	)
	for _, f := range fields {
		b.Run(chromedp.Click(chromedp.ID(f)))
	}
	b.Run(browsertest.Submit(chromedp.CSS("main form button[type=submit]")))
	loc := get(b, chromedp.Location())
	i := strings.Index(loc, "/disclosures/DR-")
	if i < 0 {
		b.t.Fatalf("filing went to %s: %s", loc, get(b, chromedp.Text(chromedp.CSS("main"))))
	}
	return strings.TrimSuffix(loc[i+len("/disclosures/"):], "?done=filed")
}

const (
	testPrejudice  = "Withholding would prevent the force from identifying a suspect in a harassment investigation."
	testCausalLink = "Without the sender's details the force cannot interview or charge anyone for these referrals."
	testLikelihood = "Four referrals in six weeks were found malicious; the campaign continues and the risk is real."
)

// decide fills in the DPO's decision form on the review of id.
func (b *browser) decide(base, id, outcome, reasons string, checks ...string) {
	b.t.Helper()
	b.Run(chromedp.Navigate(base+"/disclosures/"+id+"/review"), browsertest.Loaded(),
		chromedp.SetValue(chromedp.ID("prejudice"), testPrejudice),
		chromedp.SetValue(chromedp.ID("causal_link"), testCausalLink),
		chromedp.SetValue(chromedp.ID("likelihood"), testLikelihood),
		chromedp.Click(chromedp.ID(outcome)),
	)
	if reasons != "" {
		b.Run(chromedp.SetValue(chromedp.ID("reasons"), reasons))
	}
	for _, c := range checks {
		b.Run(chromedp.Click(chromedp.ID(c)))
	}
	b.Run(browsertest.Submit(chromedp.CSS("main form button[type=submit]")))
}

// state returns the words of the request page's status tag.
func (b *browser) state() string {
	b.t.Helper()
	return strings.TrimSpace(get(b, chromedp.Text(chromedp.ID("state"))))
}

// TestDisclosureWalk walks police disclosure requests through the browser
// on each store: the liaison's form and its errors (every field named, a
// trawl and an authorisation below inspector refused), four requests
// filed; the DPO's queue, review (reporter sealed) and decisions: approve
// in full, refuse, neither confirm nor deny, ask for more; the same DPO's
// second approval refused; the liaison's amendment; a partial approval by
// a second DPO and the releases by a person other than the first approver;
// the liaison's downloads holding only the approved details; the
// disclosure log's counts. axe passes on every state, and no page shows a
// sealed reporter value.
func TestDisclosureWalk(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			b := newBrowser(t)
			e := newEnv(t, st.open, envOptions{families: 40})
			refs := e.referralsWithReporter(t, 4)
			dana, dora, percy := apiClient(t, e.URL), apiClient(t, e.URL), apiClient(t, e.URL)
			dana.login(t, "dana")
			dana.enrolTOTP(t)
			dora.login(t, "dora")
			dora.enrolTOTP(t)
			percy.login(t, "percy")

			// The liaison files.
			b.signIn(e.URL, "percy", testPassword)
			if loc := get(b, chromedp.Location()); !strings.HasSuffix(loc, "/disclosures") {
				t.Fatalf("a police liaison signed in at %s, want /disclosures", loc)
			}
			b.check("disclosures, liaison, none")
			b.Run(browsertest.Submit(chromedp.ID("file-request")))
			b.check("request form")
			b.snap("disclosure-request.png")
			b.Run(browsertest.Submit(chromedp.CSS("main form button[type=submit]")))
			b.check("request form, nothing typed")
			got := strings.ToLower(b.summary())
			for _, want := range []string{"enter the police force", "enter the officer in the case", "select the officer's rank", "enter the authorising officer",
				"select the authorising officer's rank", "enter the crime reference", "select the offence", "confirm the legal basis",
				"referrals: name at least one referral or a family", "trawl", "select the details asked for", "enter why it is necessary",
				"enter why it is proportionate"} {
				if !strings.Contains(got, want) {
					t.Errorf("errors of an empty request lack %q: %q", want, got)
				}
			}
			b.snap("disclosure-request-errors.png")
			b.Run(chromedp.SendKeys(chromedp.ID("force"), "Northshire Police"), chromedp.SetValue(chromedp.ID("authorising_rank"), "sergeant"),
				chromedp.SetValue(chromedp.ID("referrals"), "REF-NOSUCHREFERRAL"),
				browsertest.Submit(chromedp.CSS("main form button[type=submit]")))
			b.check("request form, a sergeant authorises")
			if got := b.summary(); !strings.Contains(got, "inspector or above") || strings.Contains(got, "police force") {
				t.Errorf("errors with a sergeant authorising = %q", got)
			}
			ids := map[string]string{}
			for i, name := range []string{"full", "refuse", "ncnd", "part"} {
				ids[name] = b.fileRequest(e.URL, refs[i], "NP/2026/"+name, "fields", "fields-2")
			}
			b.check("request filed")
			if got := get(b, chromedp.Text(chromedp.ID("tasks"))); !strings.Contains(got, "Not yet started") {
				t.Errorf("tasks of a filed request = %q", got)
			}
			b.Run(chromedp.Navigate(e.URL+"/disclosures"), browsertest.Loaded())
			b.check("disclosures, liaison, four filed")
			if n := e.audited(t, "user:percy", "disclosure.file", ids["full"]); n != 1 {
				t.Errorf("disclosure.file entries = %d, want 1", n)
			}
			percy.get(t, "/disclosures/"+ids["full"]+"/review", 403)
			b.signOut(e.URL)

			// The DPO reviews and decides.
			b.signInTOTP(e.URL, "dana", dana)
			b.Run(chromedp.Navigate(e.URL+"/disclosures"), browsertest.Loaded())
			b.check("disclosure queue")
			b.snap("disclosure-queue.png")
			if got := get(b, chromedp.Text(chromedp.ID("waiting"))); !strings.Contains(got, ids["full"]) || !strings.Contains(got, "Awaiting review") {
				t.Errorf("the queue = %q", got)
			}
			b.Run(chromedp.Navigate(e.URL+"/disclosures/"+ids["full"]+"/review"), browsertest.Loaded())
			b.check("review")
			b.snap("disclosure-review.png")
			if got := get(b, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(got, "Reporter recorded (sealed)") || !strings.Contains(got, "Campaign score") {
				t.Errorf("the review lacks the sealed reporter or the campaign: %q", got)
			}
			if n := e.audited(t, "user:dana", "disclosure.review.view", ids["full"]); n != 1 {
				t.Errorf("review views audited = %d, want 1", n)
			}
			b.Run(browsertest.Submit(chromedp.CSS("main form button[type=submit]")))
			b.check("review, nothing decided")
			if got := b.summary(); !strings.Contains(got, "Select a decision") {
				t.Errorf("errors of an empty decision = %q", got)
			}
			b.decide(e.URL, ids["full"], "outcome", "")
			b.check("approved in full")
			if got := b.state(); got != "Awaiting second approval" {
				t.Errorf("after approving in full: %q", got)
			}
			// The same person twice is refused.
			b.Run(browsertest.Submit(chromedp.ID("approve-button")))
			b.check("second approval by the first approver")
			if got := b.summary(); !strings.Contains(got, "second, different person") {
				t.Errorf("the same person approving twice: %q", got)
			}
			b.decide(e.URL, ids["refuse"], "outcome-3", "The request does not show that the referrals were false: refused.")
			if got := b.state(); got != "Refused" {
				t.Errorf("after refusing: %q", got)
			}
			b.decide(e.URL, ids["ncnd"], "outcome-5", "We neither confirm nor deny that we hold the information asked for.")
			if got := b.state(); got != "Neither confirmed nor denied" {
				t.Errorf("after NCND: %q", got)
			}
			b.check("neither confirm nor deny")
			b.decide(e.URL, ids["part"], "outcome-4", "Say which of the referrals the investigation concerns and why each.")
			if got := b.state(); got != "More information asked" {
				t.Errorf("after asking for more: %q", got)
			}
			b.signOut(e.URL)

			// The liaison answers.
			b.signIn(e.URL, "percy", testPassword)
			b.Run(chromedp.Navigate(e.URL+"/disclosures/"+ids["part"]), browsertest.Loaded())
			b.check("more information asked, liaison")
			b.Run(chromedp.SetValue(chromedp.ID("note"), "short"), browsertest.Submit(chromedp.CSS("#amend ~ form button[type=submit]")))
			b.check("amendment too short")
			if got := b.summary(); !strings.Contains(got, "Your answer") {
				t.Errorf("a short amendment: %q", got)
			}
			b.Run(chromedp.SetValue(chromedp.ID("note"), "Only the latest referral matters: it repeats the false allegation of the earlier ones."),
				browsertest.Submit(chromedp.CSS("#amend ~ form button[type=submit]")))
			if got := b.state(); got != "Awaiting review" {
				t.Errorf("after amending: %q", got)
			}
			b.signOut(e.URL)

			// A second DPO releases the first and approves the last in part.
			b.signInTOTP(e.URL, "dora", dora)
			b.Run(chromedp.Navigate(e.URL+"/disclosures/"+ids["full"]), browsertest.Loaded())
			b.check("awaiting second approval")
			b.snap("disclosure-second-approval.png")
			b.Run(browsertest.Submit(chromedp.ID("approve-button")))
			if got := b.state(); got != "Released" {
				t.Fatalf("after the second approval: %q: %s", got, get(b, chromedp.Text(chromedp.CSS("main"))))
			}
			b.check("released")
			b.decide(e.URL, ids["part"], "outcome-2", "Only the name is necessary; the phone number is not needed to interview.", "approve_fields")
			if got := b.state(); got != "Awaiting second approval" {
				t.Errorf("after approving in part: %q", got)
			}
			b.signOut(e.URL)
			b.signInTOTPAt(e.URL, "dana", dana, 30*time.Second)
			b.Run(chromedp.Navigate(e.URL+"/disclosures/"+ids["part"]), browsertest.Loaded(), browsertest.Submit(chromedp.ID("approve-button")))
			if got := b.state(); got != "Released" {
				t.Errorf("after the partial's second approval: %q", got)
			}
			b.Run(chromedp.Navigate(e.URL+"/disclosure-log"), browsertest.Loaded())
			b.check("disclosure log")
			b.snap("disclosure-log.png")
			counts := get(b, chromedp.Text(chromedp.ID("log-counts")))
			for _, want := range []string{"Requests filed\t4", "Reporters disclosed\t2", "Released: 2", "Refused: 1", "Neither confirmed nor denied: 1", "Name: 2", "Phone number: 1"} {
				if !strings.Contains(counts, want) {
					t.Errorf("log counts lack %q: %q", want, counts)
				}
			}
			dana.get(t, "/disclosures/"+ids["full"]+"/package", 403)
			b.signOut(e.URL)

			// The liaison downloads what was released, and only that.
			b.signIn(e.URL, "percy", testPassword)
			b.Run(chromedp.Navigate(e.URL+"/disclosures/"+ids["part"]), browsertest.Loaded())
			b.check("released, liaison")
			b.snap("disclosure-released.png")
			pdf := percy.get(t, "/disclosures/"+ids["part"]+"/package?format=pdf", 200)
			if !strings.HasPrefix(pdf, "%PDF-") {
				t.Errorf("the package PDF starts %.10q", pdf)
			}
			var pkg struct {
				Reporters []struct {
					Details map[string]string `json:"details"`
				} `json:"reporters"`
			}
			raw := percy.get(t, "/disclosures/"+ids["part"]+"/package?format=json", 200)
			if err := json.Unmarshal([]byte(raw), &pkg); err != nil {
				t.Fatalf("package JSON: %v", err)
			}
			if len(pkg.Reporters) != 1 || len(pkg.Reporters[0].Details) != 1 || pkg.Reporters[0].Details["name"] == "" {
				t.Errorf("a partial release of the name only holds %+v", pkg.Reporters)
			}
			if n := e.audited(t, "user:percy", "disclosure.download", ids["part"]); n != 2 {
				t.Errorf("downloads audited = %d, want 2", n)
			}
			percy.get(t, "/disclosures/"+ids["refuse"]+"/package", 404)
			b.noSealed(e.sealed)
		})
	}
}
