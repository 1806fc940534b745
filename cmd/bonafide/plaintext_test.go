package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bonafide"
	"bonafide/interchange"
	"bonafide/sqlite"
	"bonafide/storetest"
)

// plantedReporters are distinctive invented reporters added to the
// synthetic data, so that the test does not depend on what synth happens
// to generate.
var plantedReporters = []bonafide.Reporter{
	{GivenName: "Zebulon", FamilyName: "Quayleworth", Email: "zq.plant-4471@bonafide-plant.invalid", Phone: "07700 900471"},
	{GivenName: "Ottoline", FamilyName: "Brackenfudge", Email: "ottoline.brackenfudge@bonafide-plant.invalid", Phone: "07700 900472",
		Address: &bonafide.Address{Line1: "1 Plantation Yard", Town: "Testbury", Postcode: "ZZ1 4PL"}},
	{GivenName: "Wystan", FamilyName: "Pellingrove", Email: "w.pellingrove@bonafide-plant.invalid", Phone: "+44 7700 900473", DeviceID: "plant-device-4473"},
}

// TestNoPlaintextReporters imports synthetic referrals (with reporter names,
// e-mail addresses and phone numbers) through the real import command into
// a SQLite file, logging at debug, and then reads the raw bytes of the
// database, its WAL and shared-memory files and everything the commands
// printed: none of the reporters' identifying values may appear in any of
// them. A reader holds the database open throughout, so that the WAL is not
// folded away and deleted when the import closes its connection.
func TestNoPlaintextReporters(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	stream := filepath.Join(dir, "stream.jsonl")
	if _, err := generate(ctx, synthConfig{Seed: 11, Families: 200, Out: dir, Start: pastStart}, stream, filepath.Join(dir, "truth.jsonl")); err != nil {
		t.Fatalf("generate: %v", err)
	}
	planted := filepath.Join(dir, "planted.jsonl")
	var pb bytes.Buffer
	w := interchange.NewWriter(&pb)
	for i, r := range plantedReporters {
		ref := storetest.Referral("PLANT-" + string(rune('A'+i)))
		ref.Reporter = &r
		if err := w.Write(ref); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(planted, pb.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	needles := reporterNeedles(t, stream, planted)
	db := filepath.Join(dir, "p.db")
	var logs bytes.Buffer
	code, stdout, stderr := run(t, nil, "", "migrate", "--db", db, "--log-level", "debug")
	logs.WriteString(stdout + stderr)
	if code != 0 {
		t.Fatalf("migrate exit = %d, want 0; stderr:\n%s", code, stderr)
	}
	hold, err := sqlite.Open(ctx, db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = run(t, nil, "", "import", "--db", db, "--log-level", "debug", "--log-format", "json", stream, planted)
	logs.WriteString(stdout + stderr)
	if code != 0 {
		hold.Close()
		t.Fatalf("import exit = %d, want 0; stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, `"level":"DEBUG"`) {
		t.Errorf("import logged nothing at debug; the test would not see what debug logging leaks:\n%s", stderr)
	}

	files := map[string][]byte{"captured logs": logs.Bytes()}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(db + suffix)
		if err != nil {
			hold.Close()
			t.Fatalf("read %s: %v", filepath.Base(db+suffix), err)
		}
		files[filepath.Base(db+suffix)] = b
	}
	if err := hold.Close(); err != nil {
		t.Fatal(err)
	}
	if len(files["p.db-wal"]) == 0 {
		t.Errorf("the WAL file is empty: the import's writes were not seen there")
	}

	// The scan works: it finds every planted value in the input.
	in, err := os.ReadFile(planted)
	if err != nil {
		t.Fatal(err)
	}
	squeezed := bytes.ReplaceAll(in, []byte(" "), nil)
	for _, n := range needles.planted {
		if !bytes.Contains(in, []byte(n)) && !bytes.Contains(squeezed, []byte(n)) {
			t.Fatalf("planted value %q not found in its own input: the scan is broken", n)
		}
	}
	for name, b := range files {
		lower := bytes.ToLower(b)
		for _, n := range needles.all {
			if bytes.Contains(lower, []byte(strings.ToLower(n))) {
				t.Errorf("%s contains reporter value %q in the clear", name, n)
			}
		}
	}
	t.Logf("checked %d reporter values (%d planted) in %d files", len(needles.all), len(needles.planted), len(files))
}

// needleSet is what TestNoPlaintextReporters looks for.
type needleSet struct {
	all     []string // every value, planted ones included
	planted []string
}

// reporterNeedles returns the identifying values of every reporter in the
// files: given and family names, e-mail addresses, phone numbers (as
// written, and without spaces) and device IDs. Values that also occur in the records outside their
// reporters (a reporter who is also named as a family's adult, say) are
// left out, since they are stored legitimately; planted values must not be.
func reporterNeedles(t *testing.T, files ...string) needleSet {
	t.Helper()
	var bare bytes.Buffer
	bw := interchange.NewWriter(&bare)
	var ns needleSet
	seen := map[string]bool{}
	var candidates []string
	plantedSet := map[string]bool{}
	for _, r := range plantedReporters {
		for _, v := range reporterValues(&r) {
			plantedSet[v] = true
			ns.planted = append(ns.planted, v)
		}
	}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		for rec, err := range interchange.NewReader(fh).All() {
			if err != nil {
				fh.Close()
				t.Fatalf("%s: %v", f, err)
			}
			if ref, ok := rec.(*bonafide.Referral); ok && ref.Reporter != nil {
				for _, v := range reporterValues(ref.Reporter) {
					if !seen[v] {
						seen[v] = true
						candidates = append(candidates, v)
					}
				}
				cp := *ref
				cp.Reporter = nil
				rec = &cp
			}
			if err := bw.Write(rec); err != nil {
				t.Fatal(err)
			}
		}
		fh.Close()
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	lowerBare := bytes.ToLower(bare.Bytes())
	for _, v := range candidates {
		if bytes.Contains(lowerBare, []byte(strings.ToLower(v))) {
			if plantedSet[v] {
				t.Fatalf("planted value %q occurs outside its reporter", v)
			}
			continue
		}
		ns.all = append(ns.all, v)
	}
	if len(ns.all) < 50 {
		t.Fatalf("only %d reporter values to look for; the synthetic data has too few reporters", len(ns.all))
	}
	return ns
}

// reporterValues lists a reporter's identifying values worth searching for:
// six bytes or more, so as not to occur by chance in sealed bytes.
func reporterValues(r *bonafide.Reporter) []string {
	var out []string
	add := func(s string) {
		if len(s) >= 6 {
			out = append(out, s)
		}
	}
	// Names are stored as separate JSON members, so each is a needle.
	add(r.GivenName)
	add(r.FamilyName)
	add(r.Email)
	add(r.Phone)
	if p := strings.ReplaceAll(r.Phone, " ", ""); p != r.Phone {
		add(p)
	}
	add(r.DeviceID)
	return out
}

// pastStart begins generated streams that tests import: their two years
// end long before any clock these tests run on, since intake refuses times
// more than a day ahead of the store's clock.
var pastStart = time.Date(2023, 1, 2, 0, 0, 0, 0, time.UTC)
