package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"bonafide/storetest"
)

// copyToReplica is the copy step that stands in for replication on a
// server that has none (wal_level below logical, no standby): a logical
// dump of the primary restored over the replica in one transaction, so
// that the replica moves from one consistent state to the next, as a
// standby does.
func copyToReplica(t *testing.T, primary, replica string) {
	t.Helper()
	dump := exec.Command("pg_dump", "--format=custom", "--no-owner", "--dbname", primary)
	restore := exec.Command("pg_restore", "--clean", "--if-exists", "--single-transaction", "--exit-on-error", "--no-owner", "--dbname", replica)
	pipe, err := dump.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	restore.Stdin = pipe
	var dumpErr, restoreErr strings.Builder
	dump.Stderr, restore.Stderr = &dumpErr, &restoreErr
	if err := dump.Start(); err != nil {
		t.Fatal(err)
	}
	if err := restore.Run(); err != nil {
		t.Fatalf("pg_restore: %v: %s", err, restoreErr.String())
	}
	if err := dump.Wait(); err != nil {
		t.Fatalf("pg_dump: %v: %s", err, dumpErr.String())
	}
}

func countRows(t *testing.T, dsn, q string, args ...any) int {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var n int
	if err := c.QueryRow(ctx, q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// TestServeReadReplica runs `serve --read-db` against a second PostgreSQL
// database standing in for a read replica: a referral posted to the API is
// written to the primary only, and read back by id from it (the case a
// worker is about to change stays on the primary); the worklists (the
// API's GET /api/v1/referrals and the web's front-door queue) and the
// census do not show it until the replica has it, and then do. The shared
// test server has wal_level replica (no logical replication) and no
// standby, so the replica is fed by copyToReplica's documented copy step.
func TestServeReadReplica(t *testing.T) {
	for _, p := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s is not installed (apt-get install postgresql-client)", p)
		}
	}
	primary := storetest.PostgresDatabase(t, "rr_primary")
	replica := storetest.PostgresDatabase(t, "rr_replica")
	if code, _, stderr := run(t, nil, "", "migrate", "--db", primary); code != 0 {
		t.Fatalf("migrate exit = %d; stderr:\n%s", code, stderr)
	}
	tok := mustToken(t, primary, "rr-sender")
	pw := mustAddUser(t, primary, "rr-worker", "social_worker")
	copyToReplica(t, primary, replica) // the standby starts as a copy

	s := serveInProcess(t, primary, "--read-db", replica)
	body := newReferralGen(21).next()
	if status, err := postReferral(t, http.DefaultClient, s.base, tok, body); err != nil || status != http.StatusCreated {
		t.Fatalf("POST with the token = %d, %v; want 201", status, err)
	}
	var ref struct{ ID string }
	if err := json.Unmarshal(body, &ref); err != nil {
		t.Fatal(err)
	}
	const inRecords = `SELECT count(*) FROM records WHERE referral_id = $1`
	if n := countRows(t, primary, inRecords, ref.ID); n != 1 {
		t.Errorf("primary holds %d records of %s, want 1", n, ref.ID)
	}
	if n := countRows(t, replica, inRecords, ref.ID); n != 0 {
		t.Errorf("replica holds %d records of %s before the copy, want 0: writes go to the primary", n, ref.ID)
	}
	worker := mustLogin(t, s.base, "rr-worker", pw)
	getJSON(t, worker, s.base+referralPath(ref.ID), http.StatusOK, nil) // by id: the primary

	queue := func() (total int, page string) {
		t.Helper()
		var q struct {
			Total int `json:"total"`
		}
		getJSON(t, worker, s.base+"/api/v1/referrals", http.StatusOK, &q)
		resp, err := worker.Get(s.base + "/queue")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /queue = %d, %v", resp.StatusCode, err)
		}
		return q.Total, string(b)
	}
	if total, page := queue(); total != 0 || strings.Contains(page, ref.ID) {
		t.Errorf("before the replica has %s: API worklist total %d, web queue shows it %v; want 0 and no: the worklists read the replica",
			ref.ID, total, strings.Contains(page, ref.ID))
	}
	copyToReplica(t, primary, replica)
	if total, page := queue(); total != 1 || !strings.Contains(page, ref.ID) {
		t.Errorf("once the replica has %s: API worklist total %d, web queue shows it %v; want 1 and yes", ref.ID, total, strings.Contains(page, ref.ID))
	}
	if err := s.stop(); err != nil {
		t.Fatalf("serve = %v", err)
	}
}
