package sqlstore

import (
	"fmt"
	"strings"
	"testing"

	"bonafide"
)

// TestAssessmentSQL checks that the SQL of ByPreference and FinalKinds says
// what the domain's AssessmentKind.Rank and Final say, so that a new kind
// or a changed rank cannot leave the stores' queries behind.
func TestAssessmentSQL(t *testing.T) {
	var b strings.Builder
	b.WriteString("ORDER BY CASE kind")
	top := 0
	for _, k := range bonafide.AssessmentKinds {
		top = max(top, k.Rank())
	}
	for _, k := range bonafide.AssessmentKinds {
		if k.Rank() != top {
			fmt.Fprintf(&b, " WHEN '%s' THEN %d", k, k.Rank())
		}
	}
	fmt.Fprintf(&b, " ELSE %d END DESC, id DESC", top)
	if want := b.String(); ByPreference != want {
		t.Errorf("ByPreference = %q, want %q (from AssessmentKind.Rank)", ByPreference, want)
	}
	var final []string
	for _, k := range bonafide.AssessmentKinds {
		if k.Final() {
			final = append(final, "'"+string(k)+"'")
		}
	}
	if want := "(" + strings.Join(final, ", ") + ")"; FinalKinds != want {
		t.Errorf("FinalKinds = %q, want %q (from AssessmentKind.Final)", FinalKinds, want)
	}
}

func TestSortAssessments(t *testing.T) {
	a := func(seq int64, engine string) bonafide.Assessment {
		return bonafide.Assessment{ReferralID: "R", Seq: seq, Engine: engine, Output: []byte(`{}`)}
	}
	in := []bonafide.Assessment{a(3, "x"), a(1, "y"), a(3, "z"), a(2, "w")}
	got, err := SortAssessments(in)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, x := range got {
		order = append(order, x.Engine)
	}
	if want := "ywxz"; order[0]+order[1]+order[2]+order[3] != want {
		t.Errorf("SortAssessments() engines = %v, want %s (Seq order, stable)", order, want)
	}
	if in[0].Engine != "x" {
		t.Errorf("SortAssessments() reordered its argument")
	}
	bad := append(in, bonafide.Assessment{ReferralID: "R", Seq: 4})
	if _, err := SortAssessments(bad); bonafide.ErrorCode(err) != bonafide.EInvalid {
		t.Errorf("SortAssessments(one without engine) = %v, want code %q", err, bonafide.EInvalid)
	}
}
