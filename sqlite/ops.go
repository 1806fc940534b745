package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"bonafide"
	"bonafide/sqlstore"
)

var _ bonafide.OpsReader = (*Assessments)(nil)

// TriageBacklog returns the referrals above the last final assessment, by
// safety level: per level one range of index cases_rank_seq (migration
// 009), and the oldest one's stored time by primary key.
func (as *Assessments) TriageBacklog(ctx context.Context) ([]bonafide.TriageBacklog, error) {
	last, err := as.LastAssessedSeq(ctx)
	if err != nil {
		return nil, err
	}
	var out []bonafide.TriageBacklog
	for _, rank := range sqlstore.SafetyRanks {
		var (
			n     int64
			first sql.NullInt64
		)
		if err := as.s.rdb.QueryRowContext(ctx, `SELECT count(*), min(seq) FROM cases INDEXED BY cases_rank_seq WHERE safety_rank = ? AND seq > ?`,
			rank, last).Scan(&n, &first); err != nil {
			return nil, fmt.Errorf("sqlite: triage backlog: %w", err)
		}
		if n == 0 {
			continue
		}
		var stored int64
		err := as.s.rdb.QueryRowContext(ctx, `SELECT stored_at FROM records WHERE seq = ?`, first.Int64).Scan(&stored)
		if errors.Is(err, sql.ErrNoRows) {
			continue // deleted between the two reads: nothing to report
		}
		if err != nil {
			return nil, fmt.Errorf("sqlite: triage backlog: %w", err)
		}
		out = append(out, bonafide.TriageBacklog{SafetyLevel: bonafide.SafetyLevelOfRank(rank), Referrals: n, Oldest: time.UnixMicro(stored).UTC()})
	}
	return out, nil
}

// AssessmentCounts counts final assessments above seq after by safety
// level, reading index assessments_final_seq from after on.
func (as *Assessments) AssessmentCounts(ctx context.Context, after int64) (map[string]int64, int64, error) {
	if err := as.s.readable(); err != nil {
		return nil, after, err
	}
	rows, err := as.s.rdb.QueryContext(ctx, `SELECT safety_level, count(*), max(seq) FROM assessments INDEXED BY assessments_final_seq
		WHERE kind IN `+sqlstore.FinalKinds+` AND seq > ? GROUP BY safety_level`, after)
	if err != nil {
		return nil, after, fmt.Errorf("sqlite: assessment counts: %w", err)
	}
	defer rows.Close()
	counts, last := map[string]int64{}, after
	for rows.Next() {
		var (
			level string
			n, mx int64
		)
		if err := rows.Scan(&level, &n, &mx); err != nil {
			return nil, after, fmt.Errorf("sqlite: assessment counts: %w", err)
		}
		counts[level], last = n, max(last, mx)
	}
	if err := rows.Err(); err != nil {
		return nil, after, fmt.Errorf("sqlite: assessment counts: %w", err)
	}
	return counts, last, nil
}
