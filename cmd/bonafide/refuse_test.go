package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestImportRefusals checks that bonafide import names the line and field
// of each value every reader refuses (text that is not text, control
// characters, counts and depth past their limits), and imports the rest.
func TestImportRefusals(t *testing.T) {
	line := func(id, members string) string {
		return `{"type":"referral","id":"` + id + `","received_at":"2025-03-04T09:15:00Z","channel":"phone",` + members + `}`
	}
	child := `"children":[{"given_name":"Rowan"}]`
	file := strings.Join([]string{
		line("REF-1", child),
		line("REF-2", child+`,"narrative":"help \ud800"`),
		line("REF-3", "\"children\":[{\"given_name\":\"Ro\xffwan\"}]"),
		line("REF-4\\u0000", child),
		line("REF-5", `"children":[`+strings.TrimSuffix(strings.Repeat(`{},`, 25), ",")+`]`),
		line("REF-6", child+`,"x":`+strings.Repeat("[", 40)+strings.Repeat("]", 40)),
		line("REF-7", child+`,"narrative":"two\nlines\tand a tab"`),
	}, "\n") + "\n"
	path := writeFile(t, t.TempDir(), "refused.jsonl", file)
	db := filepath.Join(t.TempDir(), "b.db")
	if code, _, stderr := run(t, nil, "", "migrate", "--db", db); code != 0 {
		t.Fatalf("migrate exit = %d; stderr:\n%s", code, stderr)
	}
	code, stdout, stderr := run(t, map[string]string{"BONAFIDE_DB": db}, "", "import", "--skip-invalid", path)
	if code != 0 {
		t.Fatalf("import exit = %d, want 0; stderr:\n%s", code, stderr)
	}
	if want := path + ": imported 2 records, skipped 5 invalid lines"; !strings.Contains(stdout, want) {
		t.Errorf("import stdout lacks %q:\n%s", want, stdout)
	}
	for _, want := range []string{
		path + `: line 2: narrative: holds a lone surrogate \ud800, which is not a character`,
		path + `: line 3: children[0].given_name: is not valid UTF-8 (at byte 117 of the line)`,
		path + `: line 4: id: holds control character U+0000, which this field may not hold`,
		path + `: line 5: children: 25 children, at most 20`,
		path + `: line 6: x: nested deeper than 32 levels`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("import stderr lacks %q:\n%s", want, stderr)
		}
	}
	if n := len(exportLines(t, db)); n != 2 {
		t.Errorf("export has %d records, want 2", n)
	}
}
