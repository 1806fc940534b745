package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
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

// AssessmentReader is the read half of a bonafide.AssessmentStore, and a
// bonafide.OpsReader, on table assessments of a store's DB. Each store's
// Assessments embeds it and writes in its own way (SQLite's prepared
// statements, PostgreSQL's pipelined batch).
type AssessmentReader struct{ db DB }

// NewAssessmentReader returns the reads of the assessments kept in db.
func NewAssessmentReader(db DB) AssessmentReader { return AssessmentReader{db: db} }

var _ bonafide.OpsReader = AssessmentReader{}

// ScanAssessment reads a row of AssessmentColumns.
func ScanAssessment(row Scanner) (bonafide.Assessment, error) {
	var (
		a            bonafide.Assessment
		due, created Time
		output       []byte
		kind         string
	)
	err := row.Scan(&a.ID, &a.ReferralID, &a.Seq, &a.SafetyLevel, &a.Flagged, &a.Score, &due, &a.Engine, &created, &output, &kind)
	a.Kind = bonafide.AssessmentKind(kind)
	a.Output = output
	a.DecisionDue, a.Created = due.Time, created.Time
	return a, err
}

// Assessment returns the latest assessment of referralID, or ENotFound.
func (ar AssessmentReader) Assessment(ctx context.Context, referralID string) (bonafide.Assessment, error) {
	if err := ar.db.Readable(); err != nil {
		return bonafide.Assessment{}, err
	}
	a, err := ScanAssessment(ar.db.QueryRow(ctx,
		`SELECT `+AssessmentColumns+` FROM assessments WHERE referral_id = ? `+ByPreference+` LIMIT 1`, referralID))
	if errors.Is(err, ErrNoRows) {
		return bonafide.Assessment{}, bonafide.Errorf(bonafide.ENotFound, "referral %s has no assessment", referralID)
	}
	if err != nil {
		return bonafide.Assessment{}, internal(ar.db, "assessment", err)
	}
	return a, nil
}

// Assessments returns every assessment of referralID, latest first, or
// ENotFound when there is none.
func (ar AssessmentReader) Assessments(ctx context.Context, referralID string) ([]bonafide.Assessment, error) {
	if err := ar.db.Readable(); err != nil {
		return nil, err
	}
	out, err := Query(ctx, ar.db, `SELECT `+AssessmentColumns+` FROM assessments WHERE referral_id = ? ORDER BY id DESC`,
		[]any{referralID}, ScanAssessment)
	if err != nil {
		return nil, internal(ar.db, "assessments", err)
	}
	if len(out) == 0 {
		return nil, bonafide.Errorf(bonafide.ENotFound, "referral %s has no assessment", referralID)
	}
	return out, nil
}

// LastAssessedSeq returns the highest seq assessed, 0 when none.
func (ar AssessmentReader) LastAssessedSeq(ctx context.Context) (int64, error) {
	if err := ar.db.Readable(); err != nil {
		return 0, err
	}
	var seq sql.NullInt64
	if err := ar.db.QueryRow(ctx, `SELECT max(seq) FROM assessments WHERE kind IN `+FinalKinds).Scan(&seq); err != nil {
		return 0, internal(ar.db, "last assessed seq", err)
	}
	return seq.Int64, nil
}
