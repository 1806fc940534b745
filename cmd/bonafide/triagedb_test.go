package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"bonafide"
	"bonafide/httpapi"
	"bonafide/interchange"
	"bonafide/sqlite"
	"bonafide/triage"
)

// triageLater is more of triageStream's story, stored after the first
// triage of the store.
const triageLater = `{"type":"referral","id":"R3","received_at":"2025-05-12T10:00:00Z","channel":"web_form","reporter":{"anonymous":true},"knowledge_basis":"not_stated","children":[{"given_name":"Ada","family_name":"Quenby","dob":"2019-04-11"}],"adults":[{"given_name":"Mira","family_name":"Quenby","role":"mother"}],"concerns":[{"category":"neglect"}],"narrative":"Everyone knows she is an unfit mother. Something must be done!!!","immediate_danger":false}
`

// TestTriageStore: `bonafide triage --db` stores each referral's
// assessment once (a second run stores none, a run after an import only
// the new ones) and writes what `bonafide triage` writes for the same
// stream.
func TestTriageStore(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "triage.db")
	first := writeFile(t, dir, "first.jsonl", triageStream)
	later := writeFile(t, dir, "later.jsonl", triageLater)
	if code, _, stderr := run(t, nil, "", "migrate", "--db", db); code != exitOK {
		t.Fatalf("migrate = exit %d; %s", code, stderr)
	}
	if code, _, stderr := run(t, nil, "", "import", "--db", db, first); code != exitOK {
		t.Fatalf("import = exit %d; %s", code, stderr)
	}
	tests := []struct {
		name   string
		before string // a file to import first, if any
		stream string // what `bonafide triage --in` is given to compare
		stored string // the count in the summary
	}{
		{"first run", "", triageStream, "stored 2 new assessments"},
		{"second run", "", triageStream, "stored 0 new assessments"},
		{"after an import", later, triageStream + triageLater, "stored 1 new assessments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.before != "" {
				if code, _, stderr := run(t, nil, "", "import", "--db", db, tt.before); code != exitOK {
					t.Fatalf("import = exit %d; %s", code, stderr)
				}
			}
			out := filepath.Join(t.TempDir(), "out.jsonl")
			code, _, stderr := run(t, nil, "", "triage", "--db", db, "--out", out)
			if code != exitOK || !strings.Contains(stderr, tt.stored) {
				t.Fatalf("triage --db = exit %d, stderr %q; want 0 and %q", code, stderr, tt.stored)
			}
			code, want, stderr := run(t, nil, tt.stream, "triage")
			if code != exitOK {
				t.Fatalf("triage = exit %d; %s", code, stderr)
			}
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != want {
				t.Errorf("triage --db wrote\n%s\nwant what triage of the stream writes:\n%s", got, want)
			}
		})
	}

	// The assessments are in the store, one per referral, each the line
	// the command writes.
	st, err := sqlite.Open(context.Background(), db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	checkStoredAsCommand(t, st)

	if code, _, stderr := run(t, nil, "", "triage", "--db", db, "--in", first); code != exitUsage {
		t.Errorf("triage --db --in = exit %d, want %d (usage); %s", code, exitUsage, stderr)
	}
}

// TestServeTriages: serve triages the history it finds on start and every
// referral posted to it, storing each assessment once, and its clean
// shutdown leaves nothing it stored untriaged; the stored assessments are
// what `bonafide triage` writes for the same stream, and the assessment
// route serves them to a social worker.
func TestServeTriages(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "serve.db")
	if code, _, stderr := run(t, nil, "", "migrate", "--db", db); code != exitOK {
		t.Fatalf("migrate = exit %d; %s", code, stderr)
	}
	if code, _, stderr := run(t, nil, "", "import", "--db", db, writeFile(t, dir, "first.jsonl", triageStream)); code != exitOK {
		t.Fatalf("import = exit %d; %s", code, stderr)
	}
	tok := mustToken(t, db, "serve-sender")
	password := mustAddUser(t, db, "worker", "social_worker")
	s := serveInProcess(t, db)
	if status, err := postReferral(t, http.DefaultClient, s.base, tok, []byte(strings.TrimSpace(triageLater))); err != nil || status != http.StatusCreated {
		t.Fatalf("POST referral = %d, %v; want 201", status, err)
	}
	worker := mustLogin(t, s.base, "worker", password)
	resp, err := worker.Get(s.base + "/api/v1/referrals/R1/assessment")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// Triage runs beside the request, so R1 may not be triaged yet: 200
	// or 404, never a refusal or an error.
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET assessment as a social worker = %d, want 200 (or 404 until triaged)", resp.StatusCode)
	}
	if err := s.stop(); err != nil {
		t.Fatalf("serve = %v; log:\n%s", err, s.logs)
	}

	st, err := sqlite.Open(context.Background(), db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	checkStoredAsCommand(t, st)
}

// checkStoredAsCommand fails t unless st holds, for each referral of
// triageStream+triageLater, its safety assessment stored at intake and
// exactly one campaign assessment, byte for byte the line `bonafide
// triage` writes for it, which readers are given.
func checkStoredAsCommand(t *testing.T, st *sqlite.Store) {
	t.Helper()
	_, want, _ := run(t, nil, triageStream+triageLater, "triage")
	for i, id := range []string{"R1", "R2", "R3"} {
		all, err := st.Assessments().Assessments(context.Background(), id)
		kinds := map[bonafide.AssessmentKind]int{}
		for _, a := range all {
			kinds[a.Kind]++
		}
		if err != nil || len(all) != 2 || kinds[bonafide.KindSafety] != 1 || kinds[bonafide.KindCampaign] != 1 {
			t.Errorf("stored assessments of %s = %v, %v; want one safety and one campaign assessment", id, kinds, err)
			continue
		}
		got, err := st.Assessments().Assessment(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if line := strings.Split(want, "\n")[i]; got.Kind != bonafide.KindCampaign || string(got.Output) != line {
			t.Errorf("assessment of %s = %s %s, want the campaign assessment %s (the command's)", id, got.Kind, got.Output, line)
		}
	}
}

// TestServeTriageBlindsReporters: the triage service serve starts links
// reporters on the vault's keyed hash, so that no reporter identifier is
// held in the clear in the server's memory, and links them as before.
func TestServeTriageBlindsReporters(t *testing.T) {
	ctx := context.Background()
	cal, err := triage.NewCalendar()
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "blind.db"), sqlite.Options{Migrate: true, Judge: triage.IntakeJudge(cal)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, line := range strings.Split(strings.TrimSpace(triageStream+triageLater), "\n") {
		rec, err := interchange.Decode([]byte(line))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Add(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	var blinded []string
	blind := func(s string) string {
		blinded = append(blinded, s)
		return fmt.Sprintf("%x", sha256.Sum256([]byte(s)))
	}
	srv := httpapi.NewServer(st, slog.New(slog.DiscardHandler))
	stop, err := startTriage(ctx, st, srv, blind, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	stop(time.Minute)
	if !slices.ContainsFunc(blinded, func(s string) bool { return strings.Contains(s, "pat lowry") }) {
		t.Errorf("the teacher's name was not blinded; blinded: %q", blinded)
	}
	checkStoredAsCommand(t, st) // links on blinded keys as on clear ones
}
