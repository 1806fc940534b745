package auditlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bonafide"
)

func mustKey(t testing.TB) *SigningKey {
	t.Helper()
	k, _, err := GenerateSigningKey("test")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func fixedClock() func() time.Time {
	t := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	return func() time.Time { t = t.Add(time.Second); return t }
}

func TestAppendValidates(t *testing.T) {
	l, err := New(new(MemoryStorage), mustKey(t), Config{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		e     Entry
		field string
	}{
		{"no who", Entry{What: "x", Why: "y"}, "who"},
		{"no what", Entry{Who: "u", Why: "y"}, "what"},
		{"no why", Entry{Who: "u", What: "x"}, "why"},
		{"long object", Entry{Who: "u", What: "x", Why: "y", Object: strings.Repeat("o", MaxFieldLen+1)}, "object"},
		{"bad utf8", Entry{Who: "u\xff", What: "x", Why: "y"}, "who"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := l.Append(context.Background(), tt.e)
			var ve *bonafide.ValidationError
			if !errors.As(err, &ve) || ve.Errors[0].Field != tt.field {
				t.Errorf("Append(%s) = %v, want a validation error on %q", tt.name, err, tt.field)
			}
		})
	}
}

func TestEntryEncoding(t *testing.T) {
	e := Entry{N: 3, Time: time.Date(2026, 11, 24, 9, 0, 1, 500, time.UTC), Who: "user-7", What: "reporter.open", Object: "R-<1>&", Why: "s47 enquiry"}
	b, err := MarshalEntry(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"n":3,"time":"2026-11-24T09:00:01.0000005Z","who":"user-7","what":"reporter.open","object":"R-<1>&","why":"s47 enquiry"}`
	if string(b) != want {
		t.Errorf("MarshalEntry = %s, want %s", b, want)
	}
	got, err := UnmarshalEntry(b)
	if err != nil || got != e {
		t.Errorf("UnmarshalEntry(MarshalEntry(e)) = %+v, %v; want %+v", got, err, e)
	}
	for _, bad := range []string{
		strings.Replace(want, `"n":3,`, `"n":3, `, 1),
		strings.Replace(want, `"who"`, `"extra":1,"who"`, 1),
		strings.Replace(want, `Z"`, `+00:00"`, 1),
		want + "\n",
		`{"n":3}`,
	} {
		if _, err := UnmarshalEntry([]byte(bad)); err == nil {
			t.Errorf("UnmarshalEntry(%s) succeeded; want error (not canonical)", bad)
		}
	}
}

func TestVerifyCleanAndEmpty(t *testing.T) {
	ctx := context.Background()
	l, err := New(new(MemoryStorage), mustKey(t), Config{Now: fixedClock()})
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := l.Verify(ctx); err != nil || rep != (VerifyReport{}) {
		t.Errorf("Verify(empty) = %+v, %v; want zero, nil", rep, err)
	}
	if _, err := l.Checkpoint(ctx); bonafide.ErrorCode(err) != bonafide.ENotFound {
		t.Errorf("Checkpoint() before any = %v, want ENotFound", err)
	}
	if _, err := l.WriteCheckpoint(ctx); err != nil {
		t.Fatalf("WriteCheckpoint(empty) = %v", err)
	}
	// Sizes 1..70 cross several perfect subtrees; a checkpoint at each.
	for i := range 70 {
		if _, err := l.Append(ctx, Entry{Who: "system", What: "referral.create", Object: fmt.Sprint("R-", i), Why: "intake"}); err != nil {
			t.Fatal(err)
		}
		if _, err := l.WriteCheckpoint(ctx); err != nil {
			t.Fatalf("WriteCheckpoint(%d) = %v", i+1, err)
		}
	}
	rep, err := l.Verify(ctx)
	if err != nil || rep != (VerifyReport{Entries: 70, Checkpoints: 71, Latest: 70}) {
		t.Errorf("Verify = %+v, %v; want 70 entries, 71 checkpoints, latest 70", rep, err)
	}
}

func TestVerifyManyEntries(t *testing.T) {
	// More than one read batch, with a tamper in the second.
	ctx := context.Background()
	s := new(MemoryStorage)
	l, err := New(s, mustKey(t), Config{Now: fixedClock()})
	if err != nil {
		t.Fatal(err)
	}
	const n = verifyBatch*2 + 37
	for i := range n {
		if _, err := l.Append(ctx, Entry{Who: "system", What: "referral.create", Object: fmt.Sprint("R-", i), Why: "intake"}); err != nil {
			t.Fatal(err)
		}
		if i == verifyBatch+10 {
			if _, err := l.WriteCheckpoint(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := l.WriteCheckpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Verify(ctx); err != nil {
		t.Fatalf("Verify = %v", err)
	}
	if err := s.DeleteEntry(ctx, verifyBatch+3); err != nil {
		t.Fatal(err)
	}
	_, err = l.Verify(ctx)
	var ve *VerifyError
	if !errors.As(err, &ve) || len(ve.Problems) != 3 || ve.Problems[0] != (Problem{Kind: EntryMissing, N: verifyBatch + 3}) {
		t.Fatalf("Verify after deleting %d = %v; want entry missing then two root mismatches", verifyBatch+3, err)
	}
	want := fmt.Sprintf("audit log verification failed: entry %d missing; checkpoint 1: root mismatch at size %d (entries 0 to %d changed); checkpoint 2: root mismatch at size %d (entries 0 to %d changed)",
		verifyBatch+3, verifyBatch+11, verifyBatch+10, n, n-1)
	if err.Error() != want {
		t.Errorf("Verify error =\n%s\nwant\n%s", err, want)
	}
}

func TestRunWritesCheckpoints(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := new(MemoryStorage)
	l, err := New(s, mustKey(t), Config{Now: fixedClock()})
	if err != nil {
		t.Fatal(err)
	}
	tick := make(chan time.Time) // unbuffered: a send returns once Run is back in its loop
	done := make(chan struct{})
	go func() { l.Run(ctx, tick); close(done) }()

	count := func() int {
		n := 0
		for _, err := range s.Checkpoints(context.Background()) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		return n
	}
	appendOne := func() {
		if _, err := l.Append(context.Background(), Entry{Who: "u", What: "x", Why: "y"}); err != nil {
			t.Fatal(err)
		}
	}
	appendOne()
	tick <- time.Time{}
	tick <- time.Time{} // the first write has finished once this is taken
	if got := count(); got != 1 {
		t.Errorf("after two ticks and one append: %d checkpoints, want 1 (no new one when the log has not grown)", got)
	}
	appendOne()
	tick <- time.Time{}
	tick <- time.Time{}
	if got := count(); got != 2 {
		t.Errorf("after another append and tick: %d checkpoints, want 2", got)
	}
	appendOne()
	cancel()
	<-done
	if got := count(); got != 3 {
		t.Errorf("after shutdown: %d checkpoints, want 3 (a final one)", got)
	}
	note, err := l.Checkpoint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCheckpoint(note, l.VerifierKey(), DefaultOrigin)
	if err != nil || c.Size != 3 {
		t.Errorf("ParseCheckpoint(latest) = size %d, %v; want 3", c.Size, err)
	}
}

func TestRunLogsFailures(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := new(MemoryStorage)
	var buf bytes.Buffer
	l, err := New(s, mustKey(t), Config{Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	// A checkpoint no key of ours signed makes every write refuse.
	if _, err := s.AddCheckpoint(ctx, 0, []byte("garbage\n")); err != nil {
		t.Fatal(err)
	}
	tick := make(chan time.Time)
	done := make(chan struct{})
	go func() { l.Run(ctx, tick); close(done) }()
	tick <- time.Time{}
	cancel()
	<-done
	if !strings.Contains(buf.String(), "audit checkpoint failed") {
		t.Errorf("log = %q, want the failure reported", buf.String())
	}
}

func TestSigningKeyFile(t *testing.T) {
	name := filepath.Join(t.TempDir(), "audit.key")
	k, err := GenerateSigningKeyFile(name, "council-audit")
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(name)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("Stat = %v, %v; want mode 0600", fi, err)
	}
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	k2, err := LoadSigningKey(env(map[string]string{EnvSigningKeyFile: name}))
	if err != nil || k2.VerifierKey() != k.VerifierKey() {
		t.Fatalf("LoadSigningKey = %v, %v; want %s", k2, err, k.VerifierKey())
	}
	if !strings.HasPrefix(k.VerifierKey(), "council-audit+") {
		t.Errorf("VerifierKey = %q, want the name first", k.VerifierKey())
	}
	if _, err := GenerateSigningKeyFile(name, "x"); err == nil {
		t.Errorf("GenerateSigningKeyFile over an existing file succeeded; want error")
	}
	if _, err := LoadSigningKey(env(nil)); err == nil {
		t.Errorf("LoadSigningKey(unset) succeeded; want error")
	}
	skey, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	private := strings.TrimSpace(string(skey))
	private = strings.SplitN(private, "+", 5)[4]
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("key", "k", k)
	if out := buf.String() + k.String() + fmt.Sprintf("%v %#v", k, k); strings.Contains(out, private) {
		t.Errorf("printing the key leaks its private half: %s", out)
	}
	k3, err := LoadSigningKey(env(map[string]string{EnvSigningKey: string(skey)}))
	if err != nil || k3.VerifierKey() != k.VerifierKey() {
		t.Errorf("LoadSigningKey(var) = %v, %v", k3, err)
	}
	if err := os.Chmod(name, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadSigningKeyFile(name); err == nil {
		t.Errorf("ReadSigningKeyFile(mode 0640) succeeded; want error")
	}
	t.Run("every byte mangled", func(t *testing.T) {
		for i := range len(skey) - 1 {
			m := bytes.Clone(skey)
			m[i] ^= 0x01
			if got, err := ParseSigningKey(m); err == nil && got.VerifierKey() == k.VerifierKey() {
				t.Errorf("ParseSigningKey(byte %d ^ 1) = the same key; want error", i)
			}
		}
	})
}

func TestProofText(t *testing.T) {
	ctx := context.Background()
	l, err := New(new(MemoryStorage), mustKey(t), Config{Now: fixedClock()})
	if err != nil {
		t.Fatal(err)
	}
	for range 11 {
		if _, err := l.Append(ctx, Entry{Who: "u", What: "x", Why: "y"}); err != nil {
			t.Fatal(err)
		}
	}
	c1, err := l.WriteCheckpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 6 {
		if _, err := l.Append(ctx, Entry{Who: "u", What: "x", Why: "y"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.WriteCheckpoint(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := l.Prove(ctx, 4, 0)
	if err != nil || p.Size != 17 {
		t.Fatalf("Prove(4, latest) = size %d, %v; want 17", p.Size, err)
	}
	text, _ := p.MarshalText()
	var back InclusionProof
	if err := back.UnmarshalText(text); err != nil {
		t.Fatal(err)
	}
	_, entry, err := l.Entry(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	latest, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckInclusion(l.VerifierKey(), DefaultOrigin, latest, entry, back); err != nil {
		t.Errorf("CheckInclusion(round-tripped proof) = %v", err)
	}
	for i := range text {
		m := bytes.Clone(text)
		m[i] ^= 0x01
		var q InclusionProof
		if q.UnmarshalText(m) != nil {
			continue
		}
		if err := CheckInclusion(l.VerifierKey(), DefaultOrigin, latest, entry, q); err == nil && (q.Index != p.Index || q.Size != p.Size || fmt.Sprint(q.Proof) != fmt.Sprint(p.Proof)) {
			t.Errorf("CheckInclusion(proof text byte %d ^ 1) succeeded with a different proof", i)
		}
	}
	cp, err := l.ProveConsistency(ctx, 11, 17)
	if err != nil {
		t.Fatal(err)
	}
	ctext, _ := cp.MarshalText()
	var cback ConsistencyProof
	if err := cback.UnmarshalText(ctext); err != nil {
		t.Fatal(err)
	}
	if err := CheckConsistency(l.VerifierKey(), DefaultOrigin, c1.Note, latest, cback); err != nil {
		t.Errorf("CheckConsistency(round-tripped) = %v", err)
	}
	for _, bad := range []struct{ n, size int64 }{{-1, 5}, {5, 5}, {20, 17}} {
		if _, err := l.Prove(ctx, bad.n, bad.size); err == nil {
			t.Errorf("Prove(%d, %d) succeeded; want error", bad.n, bad.size)
		}
	}
	if _, _, err := l.Entry(ctx, 99); bonafide.ErrorCode(err) != bonafide.ENotFound {
		t.Errorf("Entry(99) = %v, want ENotFound", err)
	}
}
