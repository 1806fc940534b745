package triage

import (
	"context"
	"fmt"

	"bonafide"
)

// Replay feeds an Engine every record a store holds, in the order they
// were stored, so that an intake server starting up knows what came
// before and can then triage each new referral as it arrives with
// Observe. Assessments of replayed referrals are discarded (they were
// made, and stored, when those referrals arrived). It returns the last
// sequence number replayed, so that a caller can resume after it.
//
// An Engine is not safe for concurrent use: an intake server must
// serialise Observe calls (one mutex around the engine is enough, since
// triage of one referral takes well under a millisecond).
func (e *Engine) Replay(ctx context.Context, s bonafide.Store, after int64) (int64, error) {
	last := after
	for st, err := range s.Records(ctx, after, 0) {
		if err != nil {
			return last, fmt.Errorf("replay after seq %d: %w", last, err)
		}
		if _, err := e.Observe(st.Record); err != nil {
			return last, fmt.Errorf("replay seq %d: %w", st.Seq, err)
		}
		last = st.Seq
	}
	return last, nil
}
