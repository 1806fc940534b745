package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"bonafide"
	"bonafide/sqlstore"
)

// This file gives triage assessments their table (migration 004) on the
// store's database, sharing its single write connection.

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

// PutAssessments stores as in one transaction, skipping any already
// stored by the same engine; a referral not stored at its Seq fails the
// whole call with ENotFound.
func (as *Assessments) PutAssessments(ctx context.Context, list []bonafide.Assessment) (int, error) {
	list, err := sqlstore.SortAssessments(list)
	if err != nil {
		return 0, err
	}
	if err := as.s.readable(); err != nil {
		return 0, err
	}
	now := as.s.opts.Now().UnixMicro()
	stored := 0
	err = as.s.writeTx(ctx, func(tx *sql.Tx) error {
		stored = 0
		check, err := as.s.wst.in(ctx, tx, referralStoredSQL)
		if err != nil {
			return err
		}
		ins, err := as.s.wst.in(ctx, tx, insertAssessmentSQL)
		if err != nil {
			return err
		}
		upd := caseUpdate{w: as.s.wst} // its statements taken at the first campaign assessment stored
		for _, a := range list {
			var one int
			err := check.QueryRowContext(ctx, a.Seq, a.ReferralID).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return bonafide.Errorf(bonafide.ENotFound, "no referral %s at seq %d", a.ReferralID, a.Seq)
			}
			if err != nil {
				return err
			}
			created := now
			if !a.Created.IsZero() {
				created = a.Created.UnixMicro()
			}
			res, err := ins.ExecContext(ctx, a.ReferralID, a.Seq, a.SafetyLevel, a.Flagged, a.Score,
				a.DecisionDue.UnixMicro(), a.Engine, created, []byte(a.Output), string(a.Kind.OrDefault()))
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			stored += int(n)
			if n > 0 && a.Kind.OrDefault() == bonafide.KindCampaign {
				if err := upd.update(ctx, tx, a, now); err != nil {
					return err
				}
			}
		}
		return nil
	})
	var coded *bonafide.Error
	if errors.As(err, &coded) {
		return 0, coded
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: put assessments: %w", err)
	}
	return stored, nil
}

// caseUpdate copies what a campaign assessment says onto the referral's
// case: flagged, score and family; a flagged referral restricts every case
// of its family, and a case of a family already restricted is restricted
// too (see bonafide.CaseRow). Its statements are the writer's prepared
// ones (writestmts.go): compiling them for each of a page's assessments was
// a tenth of the intake server's CPU. Each also requires a non-empty family although the
// family it is given is never empty there: the index on cases.family is
// partial (non-empty families only), and SQLite uses a partial index only for a
// query whose WHERE repeats its condition; without it both statements
// scanned every case, once per assessment (EXPLAIN QUERY PLAN: SCAN f).
// TestCaseUpdatesUseIndexes holds them to it.
type caseUpdate struct {
	w             writeStmts
	set, restrict *sql.Stmt // in the transaction, from w
}

const (
	updateCaseSQL = `UPDATE cases SET flagged = ?, score = ?, family = ?, updated = ?,
		restricted = restricted OR ? OR (? <> '' AND EXISTS (SELECT 1 FROM cases f WHERE f.family = ? AND f.family <> '' AND f.restricted))
		WHERE referral_id = ?`
	restrictFamilySQL = `UPDATE cases SET restricted = 1, updated = ? WHERE family = ? AND family <> '' AND NOT restricted`
)

func (u *caseUpdate) update(ctx context.Context, tx *sql.Tx, a bonafide.Assessment, now int64) error {
	if u.set == nil {
		var err error
		if u.set, err = u.w.in(ctx, tx, updateCaseSQL); err != nil {
			return fmt.Errorf("update case: %w", err)
		}
		if u.restrict, err = u.w.in(ctx, tx, restrictFamilySQL); err != nil {
			return fmt.Errorf("restrict family: %w", err)
		}
	}
	if _, err := u.set.ExecContext(ctx, a.Flagged, a.Score, a.Family, now, a.Flagged, a.Family, a.Family, a.ReferralID); err != nil {
		return fmt.Errorf("update case: %w", err)
	}
	if a.Flagged && a.Family != "" {
		if _, err := u.restrict.ExecContext(ctx, now, a.Family); err != nil {
			return fmt.Errorf("restrict family: %w", err)
		}
	}
	return nil
}
