package sqlstore

import (
	"cmp"
	"slices"

	"bonafide"
)

// AssessmentColumns are the columns of table assessments, in the order the
// stores scan them.
const AssessmentColumns = `id, referral_id, seq, safety_level, flagged, score, decision_due, engine, created, output, kind`

// ByPreference orders a referral's assessments as readers prefer them: the
// most complete kind first (bonafide.AssessmentKind.Rank), the latest within
// a kind. A test holds it to Rank.
const ByPreference = `ORDER BY CASE kind WHEN 'safety' THEN 0 WHEN 'provisional' THEN 1 ELSE 2 END DESC, id DESC`

// FinalKinds is the SQL list of the kinds that end the triage service's
// work on a referral (bonafide.AssessmentKind.Final), for LastAssessedSeq.
// A test holds it to Final.
const FinalKinds = `('campaign', 'failure')`

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

// SafetyRanks are the safety ranks (bonafide.SafetyRank) the cases table
// holds, immediate first, for queries that read index cases_rank_seq one
// rank at a time.
var SafetyRanks = []int{3, 2, 1, 0}
