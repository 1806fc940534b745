package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bonafide/sqlite"
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
	_, want, _ := run(t, nil, triageStream+triageLater, "triage")
	for i, id := range []string{"R1", "R2", "R3"} {
		all, err := st.Assessments().Assessments(context.Background(), id)
		if err != nil || len(all) != 1 {
			t.Errorf("stored assessments of %s = %d, %v; want 1", id, len(all), err)
			continue
		}
		if line := strings.Split(want, "\n")[i]; string(all[0].Output) != line {
			t.Errorf("stored assessment of %s = %s, want %s", id, all[0].Output, line)
		}
	}

	if code, _, stderr := run(t, nil, "", "triage", "--db", db, "--in", first); code != exitUsage {
		t.Errorf("triage --db --in = exit %d, want %d (usage); %s", code, exitUsage, stderr)
	}
}
