package triage

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"iter"
	"strings"
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

// TestBlindKey checks that reporter links work the same on blind keys and
// that the engine keeps no reporter plaintext when given a BlindKey.
func TestBlindKey(t *testing.T) {
	cfg := signalConfig()
	var seen []string
	cfg.BlindKey = func(k string) string {
		seen = append(seen, k)
		return fmt.Sprintf("%x", sha256.Sum256([]byte("test-key|"+k)))
	}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range []bonafide.Record{quenby("R1", hours(0), troll, bonafide.KnowledgeFirstHand, vague),
		outcome("R1", hours(24*20), bonafide.FindingMalicious)} {
		if _, err := e.Observe(rec); err != nil {
			t.Fatal(err)
		}
	}
	a, err := e.Observe(quenby("R2", hours(24*30), trollVar, bonafide.KnowledgeNotStated, "the child looks filthy"))
	if err != nil {
		t.Fatal(err)
	}
	if !hasSignal(a, SigReporterFalse) {
		t.Errorf("with BlindKey, R2 reasons = %+v, want %s", a.Campaign.Reasons, SigReporterFalse)
	}
	if len(seen) == 0 {
		t.Fatal("BlindKey was never called")
	}
	for _, ri := range e.refs {
		for _, k := range ri.repKeys {
			if strings.Contains(k, "smith") || strings.Contains(k, "dev-77aa") {
				t.Errorf("engine kept reporter plaintext %q despite BlindKey", k)
			}
		}
		if strings.Contains(ri.ipNet, "203.0.113") {
			t.Errorf("engine kept network %q in plaintext despite BlindKey", ri.ipNet)
		}
	}
	if b, _ := json.Marshal(a); strings.Contains(string(b), "smith") || strings.Contains(string(b), "203.0.113") {
		t.Errorf("assessment shows reporter data: %s", b)
	}
}
