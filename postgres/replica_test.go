package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"bonafide"
	"bonafide/storetest"
	"bonafide/triage"
)

// replicaDSN creates a second database on the test server (CREATE
// DATABASE), standing in for a read replica, and drops it after t.
func replicaDSN(t *testing.T) string {
	t.Helper()
	base := requirePostgres(t)
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := "replica_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("CREATE DATABASE: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			t.Errorf("connect to drop %s: %v", name, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("DROP DATABASE %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// TestReadReplica opens a store whose reads for the web screens go to a
// second database (Options.ReadURL): the worklist answers from it, while
// writes and the case a writer reads stay on the primary. Real streaming
// replication cannot be set up on the shared test server, so the second
// database is filled by hand: what the worklist shows is what it holds.
func TestReadReplica(t *testing.T) {
	ctx := context.Background()
	cal, err := triage.NewCalendar()
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Migrate: true, Judge: triage.IntakeJudge(cal), Now: func() time.Time { return time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC) }}
	replicaURL := replicaDSN(t)
	replica, err := Open(ctx, replicaURL, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close()
	popts := opts
	popts.ReadURL = replicaURL
	primary, err := Open(ctx, testDSN(t), popts)
	if err != nil {
		t.Fatal(err)
	}
	defer primary.Close()

	r := storetest.Referral("RR-1")
	r.ImmediateDanger = true
	if _, err := primary.Add(ctx, r); err != nil {
		t.Fatal(err)
	}
	if _, err := primary.Cases().CaseRow(ctx, "RR-1"); err != nil {
		t.Errorf("CaseRow on the primary = %v; want the case just written", err)
	}
	page, err := primary.Cases().Queue(ctx, bonafide.QueueFilter{}, opts.Now())
	if err != nil || page.Total != 0 {
		t.Errorf("Queue before the replica has the referral = %d cases, %v; want 0: the worklist reads the replica", page.Total, err)
	}
	if _, err := replica.Add(ctx, r); err != nil {
		t.Fatal(err)
	}
	page, err = primary.Cases().Queue(ctx, bonafide.QueueFilter{}, opts.Now())
	if err != nil || page.Total != 1 || len(page.Rows) != 1 || page.Rows[0].ReferralID != "RR-1" || page.BySafety["immediate"] != 1 {
		t.Errorf("Queue once the replica has it = %+v, %v; want RR-1, immediate", page, err)
	}
}
