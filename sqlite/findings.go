package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"bonafide"
)

// This file answers which findings earlier referrals got, for the
// reporter-links route. (Users, sessions and tokens are sqlstore.Users.)

// Findings returns, for each of referralIDs that has an outcome with a
// finding, the finding of its latest outcome. The reporter-links route
// uses it to say how many linked referrals were found unfounded.
func (s *Store) Findings(ctx context.Context, referralIDs []string) (map[string]bonafide.Finding, error) {
	out := map[string]bonafide.Finding{}
	for _, id := range referralIDs {
		var f sql.NullString
		err := s.queryRow(ctx, `SELECT json_extract(body, '$.finding') FROM records
			WHERE outcome_of = ? AND json_extract(body, '$.finding') IS NOT NULL ORDER BY record_time DESC, seq DESC LIMIT 1`, id).Scan(&f)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("sqlite: findings: %w", err)
		}
		if f.Valid {
			out[id] = bonafide.Finding(f.String)
		}
	}
	return out, nil
}
