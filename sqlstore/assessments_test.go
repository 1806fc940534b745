package sqlstore

import (
	"testing"

	"bonafide"
)

// TestAssessmentSQL checks the SQL made from the domain's kinds against the
// text both stores used before it was made from them.
func TestAssessmentSQL(t *testing.T) {
	if want := `ORDER BY CASE kind WHEN 'safety' THEN 0 WHEN 'provisional' THEN 1 ELSE 2 END DESC, id DESC`; ByPreference != want {
		t.Errorf("ByPreference = %q, want %q", ByPreference, want)
	}
	if want := `('campaign', 'failure')`; FinalKinds != want {
		t.Errorf("FinalKinds = %q, want %q", FinalKinds, want)
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
