package sqlstore

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"bonafide"
)

// AssessmentColumns are the columns of table assessments, in the order the
// stores scan them.
const AssessmentColumns = `id, referral_id, seq, safety_level, flagged, score, decision_due, engine, created, output, kind`

// ByPreference orders a referral's assessments as readers prefer them: the
// most complete kind first (bonafide.AssessmentKind.Rank), the latest within
// a kind. It is made from Rank, so that the SQL cannot drift from it.
var ByPreference = byPreference()

// FinalKinds is the SQL list of the kinds that end the triage service's work
// on a referral (bonafide.AssessmentKind.Final), for LastAssessedSeq.
var FinalKinds = finalKinds()

func byPreference() string {
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
	return b.String()
}

func finalKinds() string {
	var quoted []string
	for _, k := range bonafide.AssessmentKinds {
		if k.Final() {
			quoted = append(quoted, "'"+string(k)+"'")
		}
	}
	return "(" + strings.Join(quoted, ", ") + ")"
}

// SortAssessments checks each of list (bonafide.Assessment.Check) and
// returns a copy in Seq order (stable), so that IDs follow the referrals'
// order and writers racing on the same referrals take their row locks in
// one order. Both stores call it first, so that they refuse the same
// assessments.
func SortAssessments(list []bonafide.Assessment) ([]bonafide.Assessment, error) {
	for i := range list {
		if err := list[i].Check(); err != nil {
			return nil, err
		}
	}
	list = slices.Clone(list)
	slices.SortStableFunc(list, func(a, b bonafide.Assessment) int { return cmp.Compare(a.Seq, b.Seq) })
	return list, nil
}
