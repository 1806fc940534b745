package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestCensus: the census command writes the header and one row per child
// of each referral received in the range (none of those outside it), and
// refuses a malformed date.
func TestCensus(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "c.db")
	if code, _, stderr := run(t, nil, "", "import", "--db", db, writeFile(t, dir, "good.jsonl", goodFile)); code != exitOK {
		t.Fatalf("import = %d; %s", code, stderr)
	}
	code, stdout, stderr := run(t, nil, "", "census", "--db", db, "--from", "2025-03-05", "--to", "2025-04-01")
	if code != exitOK {
		t.Fatalf("census = %d; %s", code, stderr)
	}
	want := "LAchildID,CINreferralDate,ReferralSource,ReferralNFA,CINclosureDate,ReasonForClosure\nREF-2-1,2025-03-05,10,0,,\n"
	if stdout != want || !strings.Contains(stderr, "wrote 1 census rows") {
		t.Errorf("census wrote\n%s(stderr %q)\nwant\n%s", stdout, stderr, want)
	}
	if code, _, stderr := run(t, nil, "", "census", "--db", db, "--from", "2025-04-01", "--to", "2025-03-01"); code != exitUsage || !strings.Contains(stderr, "--from must be before --to") {
		t.Errorf("census with from after to = %d, %q; want a usage error", code, stderr)
	}
	if code, _, stderr := run(t, nil, "", "census", "--db", db, "--from", "April", "--to", "2025-03-01"); code != exitUsage || !strings.Contains(stderr, `--from "April"`) {
		t.Errorf("census with a malformed date = %d, %q; want a usage error naming it", code, stderr)
	}
}
