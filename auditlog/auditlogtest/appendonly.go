package auditlogtest

import (
	"context"
	"strings"
	"testing"

	"bonafide/auditlog"
)

// RunAppendOnly checks that a store's triggers stop an UPDATE or DELETE of
// the audit tables made without first dropping or disabling them, and that
// the log still verifies after. st is an empty storage; exec runs one
// statement on its database, with zero standing for the SQL literal of one
// zero byte (SQLite's x'00', PostgreSQL's '\x00').
func RunAppendOnly(t *testing.T, st auditlog.Storage, zero string, exec func(ctx context.Context, q string) error) {
	t.Helper()
	ctx := context.Background()
	key, _, err := auditlog.GenerateSigningKey("test")
	if err != nil {
		t.Fatal(err)
	}
	l, err := auditlog.New(st, key, auditlog.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(ctx, auditlog.Entry{Who: "u", What: "x", Why: "y"}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.WriteCheckpoint(ctx); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE audit_entries SET data = ZERO`,
		`DELETE FROM audit_entries`,
		`UPDATE audit_hashes SET hash = ZERO`,
		`DELETE FROM audit_hashes`,
		`UPDATE audit_checkpoints SET note = ZERO`,
		`DELETE FROM audit_checkpoints`,
	} {
		q = strings.ReplaceAll(q, "ZERO", zero)
		if err := exec(ctx, q); err == nil {
			t.Errorf("%s succeeded; want the append-only trigger to stop it", q)
		}
	}
	if _, err := l.Verify(ctx); err != nil {
		t.Errorf("Verify = %v", err)
	}
}
