package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"bonafide"
	"bonafide/casework"

	"bonafide/web/webkit/browsertest"
)

// TestManager walks the team manager's dashboard in a browser on each
// store: nothing waiting, then decisions waiting for sign-off: sending one
// back without a comment (error summary), with one, signing one off, and
// the two-person rule refusing the manager's own request; axe passes on
// each state and each action is in the audit log.
func TestManager(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			b := newBrowser(t)
			e := newEnv(t, st.open, envOptions{families: 40})
			b.signIn(e.URL, "morwenna", testPassword)
			b.Run(chromedp.Navigate(e.URL+"/manager"), browsertest.Loaded())
			b.check("dashboard, no sign-offs")
			if got := get(b, chromedp.Text(chromedp.ID("sign-offs-empty"))); !strings.Contains(got, "Nothing is waiting") {
				t.Errorf("no sign-offs says %q", got)
			}
			ctx := context.Background()
			page, err := e.cases.Queue(ctx, casework.Actor{Who: "user:morwenna", Role: bonafide.RoleTeamManager}, bonafide.QueueFilter{Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			var waiting []string
			own := ""
			for _, row := range page.Rows {
				who := casework.Actor{Who: "user:ada", Role: bonafide.RoleSocialWorker}
				if len(waiting) == 2 {
					who = casework.Actor{Who: "user:morwenna", Role: bonafide.RoleTeamManager}
				}
				v, err := e.cases.Act(ctx, who, row.ReferralID, casework.Request{Action: bonafide.ActDecide, Decision: bonafide.DecideNoFurtherAction, Reason: "nothing in the referral needs children's social care"})
				if err != nil || v.Row.State != bonafide.CaseSignOff {
					continue
				}
				if len(waiting) == 2 {
					own = row.ReferralID
					break
				}
				waiting = append(waiting, row.ReferralID)
			}
			if own == "" {
				t.Fatal("too few decisions wait for sign-off")
			}
			b.Run(chromedp.Navigate(e.URL+"/manager"), browsertest.Loaded())
			b.check("dashboard, sign-offs waiting")
			sel := func(id, action string) string {
				return `form[action="/manager/sign-offs/` + id + `"] button[value="` + action + `"]`
			}
			b.Run(browsertest.Submit(chromedp.CSS(sel(waiting[0], "reject"))))
			b.check("send back without a comment")
			if got := get(b, chromedp.AttributeValue(chromedp.CSS(".govuk-error-summary a"), "href")).Value; got != "#reason-"+waiting[0] {
				t.Errorf("error links to %q, want #reason-%s", got, waiting[0])
			}
			b.Run(chromedp.SendKeys(chromedp.ID("reason-"+waiting[0]), "an assessment is needed: the school raised it too"),
				browsertest.Submit(chromedp.CSS(sel(waiting[0], "reject"))))
			b.check("sent back")
			b.Run(browsertest.Submit(chromedp.CSS(sel(waiting[1], "approve"))))
			b.check("signed off")
			if got := get(b, chromedp.Text(chromedp.CSS(".govuk-notification-banner--success"))); !strings.Contains(got, "Signed off") {
				t.Errorf("banner after signing off = %q", got)
			}
			b.Run(browsertest.Submit(chromedp.CSS(sel(own, "approve"))))
			b.check("own request refused")
			if got := get(b, chromedp.Text(chromedp.CSS(".govuk-error-summary"))); got == "" {
				t.Error("approving one's own request shows no error")
			}
			if n := e.audited(t, "user:morwenna", "case.approve", waiting[1]); n != 1 {
				t.Errorf("case.approve entries = %d, want 1", n)
			}
			b.noSealed(e.sealed)
		})
	}
}
