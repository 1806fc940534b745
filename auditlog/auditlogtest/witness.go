package auditlogtest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"bonafide"
	"bonafide/auditlog"
)

// witnessed is a log of ten entries with checkpoints at sizes 4, 7 and 10,
// each cosigned by a witness whose state (its last accepted checkpoint) is
// state.
type witnessed struct {
	s       TamperStorage
	log     *auditlog.Log
	w       *auditlog.Witness
	wv      note.Verifier
	state   []byte
	cps     []int64 // storage IDs of the three checkpoints
	auditor *auditlog.Log
}

func newWitnessed(t *testing.T, open func(t *testing.T) TamperStorage) *witnessed {
	t.Helper()
	ctx := context.Background()
	key, _, err := auditlog.GenerateSigningKey("test-log")
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC) }
	x := &witnessed{s: open(t)}
	if x.log, err = auditlog.New(x.s, key, auditlog.Config{Now: now}); err != nil {
		t.Fatal(err)
	}
	wk, _, err := auditlog.GenerateWitnessKey("witness.test/ig")
	if err != nil {
		t.Fatal(err)
	}
	if x.wv, err = auditlog.NewWitnessVerifier(wk.VerifierKey()); err != nil {
		t.Fatal(err)
	}
	x.w = &auditlog.Witness{Key: wk, LogKey: x.log.VerifierKey()}
	// The auditor holds the public key alone.
	vk, err := auditlog.NewVerifierKey(x.log.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	if x.auditor, err = auditlog.New(x.s, vk, auditlog.Config{}); err != nil {
		t.Fatal(err)
	}
	for n := range 10 {
		if _, err := x.log.Append(ctx, auditlog.Entry{Who: "u", What: "view", Object: fmt.Sprintf("R-%d", n), Why: "test"}); err != nil {
			t.Fatal(err)
		}
		if n == 3 || n == 6 || n == 9 {
			if _, err := x.log.WriteCheckpoint(ctx); err != nil {
				t.Fatal(err)
			}
			sc, err := x.s.LatestCheckpoint(ctx)
			if err != nil {
				t.Fatal(err)
			}
			x.cps = append(x.cps, sc.ID)
			if err := x.witness(t); err != nil {
				t.Fatalf("witness at size %d: %v", n+1, err)
			}
		}
	}
	return x
}

// witness runs one round of the witness: fetch the request from the log,
// check and cosign it, keep the state, return the cosignature to the log.
func (x *witnessed) witness(t *testing.T) error {
	t.Helper()
	ctx := context.Background()
	old := int64(0)
	if x.state != nil {
		c, err := auditlog.ParseCheckpoint(x.state, x.log.VerifierKey(), auditlog.DefaultOrigin)
		if err != nil {
			t.Fatal(err)
		}
		old = c.Size
	}
	req, err := x.log.WitnessRequest(ctx, old)
	if err != nil {
		return err
	}
	cosigned, err := x.w.Add(x.state, req)
	if err != nil {
		return err
	}
	x.state = cosigned
	if _, _, err := x.log.AddCosignature(ctx, cosigned, []note.Verifier{x.wv}); err != nil {
		t.Fatalf("AddCosignature = %v", err)
	}
	return nil
}

// verify verifies as an auditor with the verifier key alone, with the
// witness's state when withState.
func (x *witnessed) verify(t *testing.T, withState bool) error {
	t.Helper()
	in := auditlog.VerifyInput{Witnesses: []note.Verifier{x.wv}}
	if withState {
		in.External = [][]byte{x.state}
	}
	_, err := x.auditor.VerifyAll(context.Background(), in)
	var verr *auditlog.VerifyError
	if err != nil && !errors.As(err, &verr) {
		t.Fatalf("VerifyAll = %v, want a *VerifyError or nil", err)
	}
	return err
}

// editAndRecompute overwrites entry n with a plausible forgery and
// recomputes every stored tree hash from it on, as an administrator who
// knows RFC 6962 would, so that the stored hashes agree with the entries.
func (x *witnessed) editAndRecompute(t *testing.T, n int64) {
	t.Helper()
	ctx := context.Background()
	e, _, err := x.log.Entry(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	e.What = "forged"
	data, err := auditlog.MarshalEntry(e)
	if err != nil {
		t.Fatal(err)
	}
	if err := x.s.SetEntry(ctx, n, data); err != nil {
		t.Fatal(err)
	}
	size, err := x.s.Size(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) { return x.s.ReadHashes(ctx, idx) })
	for m := n; m < size; m++ {
		_, d, err := x.log.Entry(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		hs, err := tlog.StoredHashes(m, d, r)
		if err != nil {
			t.Fatal(err)
		}
		for i, h := range hs {
			if err := x.s.SetHash(ctx, tlog.StoredHashIndex(0, m)+int64(i), h); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// runWitness shows that a witness's state catches every tampering an
// insider with the database can do to hide a change (edit an entry,
// recompute the tree hashes and delete the checkpoints that cover it;
// delete one checkpoint or all of them; truncate the tail), that the
// witness refuses to cosign the rewritten log, and that the stored
// checkpoints must be contiguous; all verified with the verifier key alone.
func runWitness(t *testing.T, open func(t *testing.T) TamperStorage) {
	ctx := context.Background()
	t.Run("untouched", func(t *testing.T) {
		x := newWitnessed(t, open)
		if err := x.verify(t, true); err != nil {
			t.Errorf("VerifyAll(untouched, witness state) = %v, want nil", err)
		}
		if err := x.witness(t); err != nil {
			t.Errorf("witness again with nothing new = %v, want the same checkpoint cosigned", err)
		}
	})
	tests := []struct {
		name   string
		tamper func(t *testing.T, x *witnessed)
		// without is what verification without the witness's state must
		// find (0: nothing); with, what it finds with it.
		without, with auditlog.ProblemKind
		// refused is how the witness refuses the next checkpoint the
		// log signs after the tampering (0: no new checkpoint tried).
		refused auditlog.WitnessErrorKind
	}{
		{"edit, recompute hashes, delete covering checkpoints", func(t *testing.T, x *witnessed) {
			x.editAndRecompute(t, 5)
			for _, id := range x.cps[1:] {
				if err := x.s.DeleteCheckpoint(ctx, id); err != nil {
					t.Fatal(err)
				}
			}
		}, auditlog.CheckpointNotStored, auditlog.CheckpointRootMismatch, auditlog.WitnessInconsistent},
		{"delete one checkpoint", func(t *testing.T, x *witnessed) {
			if err := x.s.DeleteCheckpoint(ctx, x.cps[1]); err != nil {
				t.Fatal(err)
			}
		}, auditlog.CheckpointDeleted, auditlog.CheckpointDeleted, 0},
		{"delete every checkpoint", func(t *testing.T, x *witnessed) {
			for _, id := range x.cps {
				if err := x.s.DeleteCheckpoint(ctx, id); err != nil {
					t.Fatal(err)
				}
			}
		}, auditlog.CheckpointNotStored, auditlog.CheckpointNotStored, 0},
		{"delete the latest checkpoint", func(t *testing.T, x *witnessed) {
			if err := x.s.DeleteCheckpoint(ctx, x.cps[2]); err != nil {
				t.Fatal(err)
			}
		}, auditlog.CheckpointNotStored, auditlog.CheckpointNotStored, 0},
		{"truncate the tail", func(t *testing.T, x *witnessed) {
			for _, n := range []int64{9, 8} {
				if err := x.s.DeleteEntry(ctx, n); err != nil {
					t.Fatal(err)
				}
			}
			if err := x.s.TruncateHashes(ctx, tlog.StoredHashIndex(0, 8)); err != nil {
				t.Fatal(err)
			}
			if err := x.s.DeleteCheckpoint(ctx, x.cps[2]); err != nil {
				t.Fatal(err)
			}
		}, auditlog.CheckpointBeyondLog, auditlog.CheckpointBeyondLog, auditlog.WitnessShrunk},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := newWitnessed(t, open)
			tt.tamper(t, x)
			for _, w := range []struct {
				withState bool
				want      auditlog.ProblemKind
			}{{false, tt.without}, {true, tt.with}} {
				err := x.verify(t, w.withState)
				var verr *auditlog.VerifyError
				if !errors.As(err, &verr) || !verr.Has(w.want) {
					t.Errorf("VerifyAll(witness state %v) = %v; want a problem of kind %d", w.withState, err, w.want)
				}
			}
			if tt.refused == 0 {
				return
			}
			// The log signs the rewritten tree (its own latest checkpoint
			// is consistent with it), but the witness will not.
			c, err := x.log.WriteCheckpoint(ctx)
			if err != nil {
				t.Fatalf("WriteCheckpoint after tampering = %v", err)
			}
			prev, err := auditlog.ParseCheckpoint(x.state, x.log.VerifierKey(), auditlog.DefaultOrigin)
			if err != nil {
				t.Fatal(err)
			}
			req, err := x.log.WitnessRequest(ctx, prev.Size)
			if c.Size < prev.Size {
				if bonafide.ErrorCode(err) != bonafide.EInvalid {
					t.Errorf("WitnessRequest(old %d) of a log of %d = %v; want EInvalid", prev.Size, c.Size, err)
				}
				// A log that answers anyway, from a smaller tree.
				req = auditlog.WitnessRequest{Old: prev.Size, Checkpoint: c.Note}
			} else if err != nil {
				t.Fatal(err)
			}
			before := string(x.state)
			_, err = x.w.Add(x.state, req)
			var werr *auditlog.WitnessError
			if !errors.As(err, &werr) || werr.Kind != tt.refused {
				t.Errorf("witness Add(rewritten log) = %v; want a refusal of kind %d", err, tt.refused)
			}
			if string(x.state) != before {
				t.Errorf("a refused checkpoint changed the witness's state")
			}
		})
	}

	t.Run("refuses a bad request", func(t *testing.T) {
		x := newWitnessed(t, open)
		req, err := x.log.WitnessRequest(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := x.w.Add(x.state, req); err == nil {
			t.Errorf("witness Add(old 0 after accepting 10) = nil, want a conflict")
		}
		_, skey, err := auditlog.GenerateSigningKey("test-log")
		if err != nil {
			t.Fatal(err)
		}
		other, err := note.NewSigner(string(skey))
		if err != nil {
			t.Fatal(err)
		}
		forged, err := note.Sign(&note.Note{Text: "bonafide/audit\n10\n" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\ntime 2026-03-16T09:00:00Z\n"}, other)
		if err != nil {
			t.Fatal(err)
		}
		_, err = x.w.Add(x.state, auditlog.WitnessRequest{Old: 10, Checkpoint: forged})
		var werr *auditlog.WitnessError
		if !errors.As(err, &werr) || werr.Kind != auditlog.WitnessBadSignature {
			t.Errorf("witness Add(checkpoint signed by another key) = %v, want a bad signature", err)
		}
		if _, _, err := x.log.AddCosignature(ctx, req.Checkpoint, []note.Verifier{x.wv}); bonafide.ErrorCode(err) != bonafide.EForbidden {
			t.Errorf("AddCosignature(no cosignature) = %v, want EForbidden", err)
		}
	})
}
