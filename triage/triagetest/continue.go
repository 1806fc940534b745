package triagetest

import (
	"iter"
	"time"

	"bonafide"
)

// HistoryAfter yields History(seed, n) moved to an hour after a
// History of after referrals ends, its ids prefixed by prefix: new
// records for a store or an engine that holds that history, for
// benchmarks of what follows it (checkpoints written after 20,000 more).
func HistoryAfter(seed int64, n, after int, prefix string) iter.Seq[bonafide.Record] {
	shift := time.Duration(after)*HistoryStep(after) + time.Hour
	return func(yield func(bonafide.Record) bool) {
		for rec := range History(seed, n) {
			switch r := rec.(type) {
			case *bonafide.Referral:
				r.ID, r.ReceivedAt = prefix+r.ID, r.ReceivedAt.Add(shift)
			case *bonafide.PublicPost:
				r.ID, r.PostedAt = prefix+r.ID, r.PostedAt.Add(shift)
			}
			if !yield(rec) {
				return
			}
		}
	}
}
