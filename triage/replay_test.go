package triage

import (
	"context"
	"iter"
	"testing"

	"bonafide"
)

// memStore holds records in memory; only Records is used by Replay.
type memStore struct {
	bonafide.Store
	recs []bonafide.Record
}

func (m *memStore) Records(ctx context.Context, after int64, limit int) iter.Seq2[bonafide.Stored, error] {
	return func(yield func(bonafide.Stored, error) bool) {
		for i, r := range m.recs {
			if int64(i+1) <= after {
				continue
			}
			if !yield(bonafide.Stored{Seq: int64(i + 1), Record: r}, nil) {
				return
			}
		}
	}
}

func TestReplay(t *testing.T) {
	first := quenby("R1", hours(0), troll, bonafide.KnowledgeFirstHand, vague)
	s := &memStore{recs: []bonafide.Record{first, outcome("R1", hours(24*20), bonafide.FindingMalicious)}}
	e, err := New(signalConfig())
	if err != nil {
		t.Fatal(err)
	}
	last, err := e.Replay(context.Background(), s, 0)
	if err != nil || last != 2 {
		t.Fatalf("Replay = %d, %v, want 2, nil", last, err)
	}
	a, err := e.Observe(quenby("R2", hours(24*30), trollVar, bonafide.KnowledgeNotStated, "the child looks filthy"))
	if err != nil {
		t.Fatal(err)
	}
	if !hasSignal(a, SigReporterFalse) {
		t.Errorf("after Replay, R2 reasons = %+v, want %s (linked to the replayed malicious R1)", a.Campaign.Reasons, SigReporterFalse)
	}
	if _, err := e.Observe(first); bonafide.ErrorCode(err) != bonafide.EConflict {
		t.Errorf("Observe(replayed R1 again) = %v, want a conflict", err)
	}
}
