package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"bonafide"
)

// This file answers the operations screen's questions of the triage
// service's progress (bonafide.OpsReader), for both stores.

// TriageBacklog returns the referrals above the last final assessment, by
// safety level: per level one range of index cases_rank_seq (migration
// 009), and the oldest one's stored time by primary key.
func (ar AssessmentReader) TriageBacklog(ctx context.Context) ([]bonafide.TriageBacklog, error) {
	last, err := ar.LastAssessedSeq(ctx)
	if err != nil {
		return nil, err
	}
	db := ar.db
	var out []bonafide.TriageBacklog
	for _, rank := range SafetyRanks {
		var (
			n     int64
			first sql.NullInt64
		)
		if err := db.QueryRow(ctx, `SELECT count(*), min(seq) FROM cases`+db.IndexedBy("cases_rank_seq")+` WHERE safety_rank = ? AND seq > ?`,
			rank, last).Scan(&n, &first); err != nil {
			return nil, internal(db, "triage backlog", err)
		}
		if n == 0 || !first.Valid {
			continue
		}
		var stored Time
		err := db.QueryRow(ctx, `SELECT stored_at FROM records WHERE seq = ?`, first.Int64).Scan(&stored)
		if errors.Is(err, ErrNoRows) {
			continue // deleted between the two reads: nothing to report
		}
		if err != nil {
			return nil, internal(db, "triage backlog", err)
		}
		out = append(out, bonafide.TriageBacklog{SafetyLevel: bonafide.SafetyLevelOfRank(rank), Referrals: n, Oldest: stored.Time})
	}
	return out, nil
}

// AssessmentCounts counts final assessments above seq after by safety
// level, reading index assessments_final_seq from after on, and returns
// the last seq it counted (after when none).
func (ar AssessmentReader) AssessmentCounts(ctx context.Context, after int64) (map[string]int64, int64, error) {
	db := ar.db
	if err := db.Readable(); err != nil {
		return nil, after, err
	}
	counts, last := map[string]int64{}, after
	err := db.Query(ctx, `SELECT safety_level, count(*), max(seq) FROM assessments`+db.IndexedBy("assessments_final_seq")+`
		WHERE kind IN `+FinalKinds+` AND seq > ? GROUP BY safety_level`, []any{after}, func(row Scanner) error {
		var (
			level string
			n, mx int64
		)
		if err := row.Scan(&level, &n, &mx); err != nil {
			return err
		}
		counts[level], last = n, max(last, mx)
		return nil
	})
	if err != nil {
		return nil, after, internal(db, "assessment counts", err)
	}
	return counts, last, nil
}
