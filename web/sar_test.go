package web_test

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"bonafide"
	"bonafide/disclosure"
	"bonafide/storetest"

	"bonafide/web/webkit/browsertest"
)

// TestSARWalk walks a subject access request through the browser on each
// store: the opening form and its errors, the request's task list and
// clock, the redaction review (a reporter's detail locked and masked, a
// context sentence released by the reviewer with a reason, a change
// without one refused), the clock stopped and started, an extension (its
// reason required), sign-off and the bundle, whose extracted text holds
// no reporter value. axe passes on every state; no page shows a sealed
// value.
func TestSARWalk(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			b := newBrowser(t)
			e := newEnv(t, st.open, envOptions{families: 20})
			ctx := context.Background()
			ref := storetest.Referral("REF-SARWEB0001")
			ref.Narrative = "I'm her neighbour at no. 12 and I hear the baby crying every night. Pim was outside in the cold on Tuesday. " +
				"Call Quorra on +44 7700 900 123 if you need more. I live across the road and see them most days."
			if _, err := e.store.Add(ctx, ref); err != nil {
				t.Fatal(err)
			}
			sealed := append(append([]string{}, e.sealed...), storetest.ReporterMarks()...)
			dana := apiClient(t, e.URL)
			dana.login(t, "dana")
			dana.enrolTOTP(t)
			b.signInTOTP(e.URL, "dana", dana)

			b.Run(chromedp.Navigate(e.URL+"/sars"), browsertest.Loaded())
			b.check("SARs, none")
			b.Run(browsertest.Submit(chromedp.ID("open-sar")))
			b.check("SAR form")
			b.Run(chromedp.SetValue(chromedp.ID("received-year"), "2999"), browsertest.Submit(chromedp.CSS("main form button[type=submit]")))
			b.check("SAR form, errors")
			got := b.summary()
			for _, want := range []string{"Date received: it must be today or in the past"} {
				if !strings.Contains(got, want) {
					t.Errorf("errors of a SAR received in 2999 lack %q: %q", want, got)
				}
			}
			year := get(b, chromedp.Evaluate[string](`String(new Date().getFullYear())`))
			b.Run(chromedp.SetValue(chromedp.ID("received-year"), year), browsertest.Submit(chromedp.CSS("main form button[type=submit]")))
			got = b.summary()
			for _, want := range []string{"Requester: a name is needed", "Family: name the family"} {
				if !strings.Contains(got, want) {
					t.Errorf("errors of an empty SAR lack %q: %q", want, got)
				}
			}
			if href := get(b, chromedp.AttributeValue(chromedp.CSS(".govuk-error-summary a"), "href")).Value; href != "#requester_given" {
				t.Errorf("the first error links to %q", href)
			}
			b.Run(chromedp.SendKeys(chromedp.ID("requester_given"), "Dace"), chromedp.SendKeys(chromedp.ID("requester_family"), "Orrery"),
				chromedp.SendKeys(chromedp.ID("child1_given"), "Pim"), chromedp.SendKeys(chromedp.ID("child1_family"), "Orrery"),
				chromedp.SetValue(chromedp.ID("referrals"), ref.ID+"\n"+e.ids[0]),
				browsertest.Submit(chromedp.CSS("main form button[type=submit]")))
			b.check("SAR opened")
			b.snap("sar.png")
			loc := get(b, chromedp.Location())
			i := strings.Index(loc, "/sars/SAR-")
			if i < 0 {
				t.Fatalf("opening went to %s: %s", loc, get(b, chromedp.Text(chromedp.CSS("main"))))
			}
			id := strings.TrimSuffix(loc[i+len("/sars/"):], "?done=opened")
			if got := get(b, chromedp.Text(chromedp.ID("clock-state"))); got != "Running" {
				t.Errorf("the clock = %q", got)
			}

			// The redaction review.
			b.Run(chromedp.Navigate(e.URL+"/sars/"+id+"/redactions"), browsertest.Loaded())
			b.check("redactions")
			b.snap("sar-redactions.png")
			sar, err := e.disc.GetSAR(ctx, dpoActor, id)
			if err != nil {
				t.Fatal(err)
			}
			var context, locked string
			for _, d := range sar.Documents {
				for _, p := range d.Parts {
					switch {
					case strings.Contains(p.Text, "across the road") && p.Code == bonafide.RedactReporterContext:
						context = p.ID
					case strings.Contains(p.Text, "[withheld]") && p.Locked:
						locked = p.ID
					}
				}
			}
			if context == "" || locked == "" {
				t.Fatalf("no R2 part (%q) or locked masked part (%q) in %+v", context, locked, sar.Documents)
			}
			page := get(b, chromedp.Text(chromedp.CSS("main")))
			if !strings.Contains(page, "Locked") || !strings.Contains(page, "R2 reporter by context") {
				t.Errorf("the review lacks a locked part or an R2 tag")
			}
			b.Run(browsertest.Submit(chromedp.CSS(`a[href$="/parts/` + context + `"]`)))
			b.check("change a redaction")
			b.snap("sar-part.png")
			b.Run(chromedp.Click(chromedp.ID("code")), browsertest.Submit(chromedp.CSS("main form button[type=submit]")))
			b.check("change a redaction, no reason")
			if got := b.summary(); !strings.Contains(got, "Reason: at least 20 characters") {
				t.Errorf("a change without a reason: %q", got)
			}
			b.Run(chromedp.SetValue(chromedp.ID("reason"), "The requester already knows the neighbour made it, by her own account."),
				browsertest.Submit(chromedp.CSS("main form button[type=submit]")))
			b.check("redactions, changed")
			if sar, err = e.disc.GetSAR(ctx, dpoActor, id); err != nil {
				t.Fatal(err)
			}
			for _, d := range sar.Documents {
				for _, p := range d.Parts {
					if p.ID == context && (p.Code != bonafide.RedactNone || p.ChangedBy != "user:dana") {
						t.Errorf("part %s after release = %+v", p.ID, p)
					}
				}
			}
			if status, body := dana.post(t, "/sars/"+id, "/sars/"+id+"/parts/"+locked, url.Values{"code": {"shown"},
				"reason": {"The requester says she knows who it was anyway."}}); status != 422 || !strings.Contains(body, "stays withheld") {
				t.Errorf("releasing a locked part = %d: %.300s", status, body)
			}

			// The clock, the extension, sign-off and the bundle.
			b.Run(chromedp.Navigate(e.URL+"/sars/"+id), browsertest.Loaded(),
				chromedp.SetValue(chromedp.ID("clock_reason"), "Asked which years of records she means."), browsertest.Submit(chromedp.ID("clock-button")))
			b.check("clock stopped")
			if got := get(b, chromedp.Text(chromedp.ID("clock-state"))); !strings.HasPrefix(got, "Stopped since") {
				t.Errorf("the clock after stopping = %q", got)
			}
			b.Run(chromedp.SetValue(chromedp.ID("clock_reason"), "She answered: all of them."), browsertest.Submit(chromedp.ID("clock-button")))
			b.Run(chromedp.Click(chromedp.ID("months")), browsertest.Submit(chromedp.ID("extend-button")))
			b.check("extension without a reason")
			if got := b.summary(); !strings.Contains(got, "Reason") {
				t.Errorf("an extension without a reason: %q", got)
			}
			b.Run(chromedp.Click(chromedp.ID("months")), chromedp.SetValue(chromedp.ID("extend_reason"), "Records from several agencies must be gathered."),
				browsertest.Submit(chromedp.ID("extend-button")))
			if got := get(b, chromedp.Text(chromedp.ID("extension"))); !strings.HasPrefix(got, "1 month") {
				t.Errorf("the extension = %q", got)
			}
			b.Run(browsertest.Submit(chromedp.ID("sign-off-button")))
			b.check("signed off")
			b.Run(browsertest.Submit(chromedp.ID("produce-button")))
			b.check("bundle produced")
			b.snap("sar-produced.png")
			pdf := dana.get(t, "/sars/"+id+"/bundle", 200)
			if !strings.HasPrefix(pdf, "%PDF-") {
				t.Fatalf("the bundle starts %.10q", pdf)
			}
			if _, err := exec.LookPath("pdftotext"); err == nil {
				in := filepath.Join(t.TempDir(), "bundle.pdf")
				if err := os.WriteFile(in, []byte(pdf), 0o600); err != nil {
					t.Fatal(err)
				}
				out, err := exec.Command("pdftotext", in, "-").Output()
				if err != nil {
					t.Fatal(err)
				}
				text := strings.Join(strings.Fields(string(out)), " ")
				for _, s := range append(sealed, "900 123", "no. 12") {
					if strings.Contains(text, s) {
						t.Errorf("the bundle's text holds %q", s)
					}
				}
				if !strings.Contains(text, "Pim was outside in the cold") || !strings.Contains(text, "across the road") {
					t.Errorf("the bundle lacks the allegation or the released sentence: %.500s", text)
				}
			}
			if n := e.audited(t, "user:dana", "sar.download", id); n != 1 {
				t.Errorf("bundle downloads audited = %d, want 1", n)
			}
			b.Run(chromedp.Navigate(e.URL+"/sars"), browsertest.Loaded())
			b.check("SARs, one")
			b.noSealed(sealed)
		})
	}
}

// dpoActor is dana as package disclosure sees her, for reading a SAR
// behind the pages.
var dpoActor = disclosure.Actor{Who: "user:dana", Role: bonafide.RoleDPO}
