package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"bonafide"
	"bonafide/sqlstore"
)

// This file gives triage assessments their table (migration 004).

// Assessments returns the store's triage assessments, a
// bonafide.AssessmentStore.
func (s *Store) Assessments() *Assessments {
	return &Assessments{AssessmentReader: sqlstore.NewAssessmentReader(db{s}), s: s, Checkpoints: s.checkpoints()}
}

// Assessments is a bonafide.AssessmentStore on table assessments: its
// reads are sqlstore's, its writes this package's, its checkpoints
// sqlstore's (checkpoints.go).
type Assessments struct {
	sqlstore.AssessmentReader
	s                     *Store
	*sqlstore.Checkpoints // bonafide.CheckpointStore
}

var _ bonafide.AssessmentStore = (*Assessments)(nil)

// putAssessment inserts one assessment if its referral is stored at its seq
// and the engine has not assessed it yet. It answers whether the referral
// was found and whether a row went in, so that a missing referral and a
// repeat are told apart in one round trip.
const putAssessment = `WITH r AS (
	SELECT seq FROM records WHERE seq = $2 AND referral_id = $1 AND type = 'referral'
), i AS (
	INSERT INTO assessments (referral_id, seq, safety_level, flagged, score, decision_due, engine, created, output, kind)
	SELECT $1, seq, $3, $4, $5, $6, $7, $8, $9, $10 FROM r
	ON CONFLICT (referral_id, engine) DO NOTHING
	RETURNING 1
)
SELECT (SELECT count(*) FROM r), (SELECT count(*) FROM i)`

// PutAssessments stores list in one transaction, pipelined in one round
// trip, skipping any already stored by the same engine; a referral not
// stored at its Seq fails the whole call with ENotFound.
func (as *Assessments) PutAssessments(ctx context.Context, list []bonafide.Assessment) (int, error) {
	list, err := sqlstore.SortAssessments(list)
	if err != nil {
		return 0, err
	}
	if err := as.s.readable(); err != nil {
		return 0, err
	}
	if len(list) == 0 {
		return 0, nil
	}
	now := as.s.now()
	stored := 0
	err = pgx.BeginFunc(ctx, as.s.pool, func(tx pgx.Tx) error {
		stored = 0
		var b pgx.Batch
		for _, a := range list {
			created := now
			if !a.Created.IsZero() {
				created = sqlstore.Micro(a.Created)
			}
			b.Queue(putAssessment, a.ReferralID, a.Seq, a.SafetyLevel, a.Flagged, a.Score, sqlstore.Micro(a.DecisionDue), a.Engine, created, string(a.Output), string(a.Kind.OrDefault()))
		}
		br := tx.SendBatch(ctx, &b)
		var campaign []bonafide.Assessment
		for _, a := range list {
			var found, inserted int64
			if err := br.QueryRow().Scan(&found, &inserted); err != nil {
				br.Close()
				return err
			}
			if found == 0 {
				br.Close()
				return bonafide.Errorf(bonafide.ENotFound, "no referral %s at seq %d", a.ReferralID, a.Seq)
			}
			stored += int(inserted)
			if inserted > 0 && a.Kind.OrDefault() == bonafide.KindCampaign {
				campaign = append(campaign, a)
			}
		}
		if err := br.Close(); err != nil {
			return err
		}
		return updateCases(ctx, tx, campaign, now)
	})
	var coded *bonafide.Error
	if errors.As(err, &coded) {
		return 0, coded
	}
	if r := dataRefusal(err); r != nil {
		return 0, r
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: put assessments: %w", err)
	}
	return stored, nil
}

// dataRefusal returns an error with code EInvalid when err is a data
// exception (SQLSTATE class 22): the database refuses these values and
// would refuse them again, so a caller must not retry them as it retries
// a failure. Its detail is left out: it can quote the values.
func dataRefusal(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && strings.HasPrefix(pe.Code, "22") {
		return bonafide.Errorf(bonafide.EInvalid, "postgres refused an assessment: SQLSTATE %s", pe.Code)
	}
	return nil
}

// updateCases copies what campaign assessments say onto their referrals'
// cases: flagged, score and family; a flagged referral restricts every
// case of its family, and a case of a family already restricted is
// restricted too (see bonafide.CaseRow). The statements repeat the
// condition of the partial index on cases.family (a non-empty family), so that
// a generic plan, which cannot prove it from a parameter, uses the index
// rather than scanning every case once per assessment.
func updateCases(ctx context.Context, tx pgx.Tx, list []bonafide.Assessment, now time.Time) error {
	if len(list) == 0 {
		return nil
	}
	var b pgx.Batch
	for _, a := range list {
		b.Queue(`UPDATE cases SET flagged = $1, score = $2, family = $3, updated = $4,
			restricted = restricted OR $1 OR ($3 <> '' AND EXISTS (SELECT 1 FROM cases f WHERE f.family = $3 AND f.family <> '' AND f.restricted))
			WHERE referral_id = $5`, a.Flagged, a.Score, a.Family, now, a.ReferralID)
		if a.Flagged && a.Family != "" {
			b.Queue(`UPDATE cases SET restricted = true, updated = $1 WHERE family = $2 AND family <> '' AND NOT restricted`, now, a.Family)
		}
	}
	if err := tx.SendBatch(ctx, &b).Close(); err != nil {
		return fmt.Errorf("update cases: %w", err)
	}
	return nil
}
