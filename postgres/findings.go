package postgres

import (
	"context"
	"fmt"

	"bonafide"
)

// This file answers which findings earlier referrals got, for the
// reporter-links route. (Users, sessions and tokens are sqlstore.Users.)

// Findings returns, for each of referralIDs that has an outcome with a
// finding, the finding of its latest outcome. The reporter-links route
// uses it to say how many linked referrals were found unfounded.
func (s *Store) Findings(ctx context.Context, referralIDs []string) (map[string]bonafide.Finding, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT ON (outcome_of) outcome_of, body->>'finding' FROM records
		WHERE outcome_of = ANY($1) AND body->>'finding' IS NOT NULL ORDER BY outcome_of, record_time DESC, seq DESC`, referralIDs)
	if err != nil {
		return nil, fmt.Errorf("postgres: findings: %w", err)
	}
	defer rows.Close()
	out := map[string]bonafide.Finding{}
	for rows.Next() {
		var id, f string
		if err := rows.Scan(&id, &f); err != nil {
			return nil, fmt.Errorf("postgres: findings: %w", err)
		}
		out[id] = bonafide.Finding(f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: findings: %w", err)
	}
	return out, nil
}
