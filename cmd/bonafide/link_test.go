package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const linkPeopleConfig = `{
  "id": "id",
  "truth": "person",
  "fields": [
    {"name": "given", "type": "given_name"},
    {"name": "surname", "type": "surname"},
    {"name": "dob", "type": "date", "date_format": "DD/MM/YYYY"},
    {"name": "postcode", "type": "postcode_uk"}
  ]
}`

// Records of invented people; "a1"/"b1" and "a2"/"b2" are the same person typed twice.
const linkA = `id, person, given, surname, dob, postcode
a1, p1, Tamsin, Hollowell, 07/03/2016, LS6 1AB
a2, p2, Oluwaseun, Brackwater, 12/11/2012, M1 2CD
a3, p3, Kit, Marchbank, 01/01/2001, YO1 7EF
`

// linkFiles writes two CSV files of invented people: A holds n people, B holds a
// retyped copy (typos, swapped day and month, postcode without a space) of every
// second one and n/4 people of its own. Unsupervised training needs a few hundred
// records to have something to learn from.
func linkFiles(t *testing.T, dir string, n int) (a, b string) {
	t.Helper()
	syl := []string{"ta", "mor", "vin", "bel", "ko", "ras", "den", "li", "quo", "sha", "pel", "dru", "wen", "fa", "gil", "no"}
	r := rand.New(rand.NewPCG(3, 4))
	name := func(k int) string {
		var sb strings.Builder
		for range k {
			sb.WriteString(syl[r.IntN(len(syl))])
		}
		s := sb.String()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	type person struct{ given, surname, dob, postcode string }
	mk := func() person {
		return person{name(2), name(3), fmt.Sprintf("%02d/%02d/%d", 1+r.IntN(28), 1+r.IntN(12), 1950+r.IntN(70)),
			fmt.Sprintf("%c%c%d %d%c%c", 'A'+r.IntN(26), 'A'+r.IntN(26), 1+r.IntN(9), r.IntN(10), 'A'+r.IntN(26), 'A'+r.IntN(26))}
	}
	var sa, sb strings.Builder
	sa.WriteString("id, person, given, surname, dob, postcode\n")
	sb.WriteString("id,person,given,surname,dob,postcode\n")
	for i := range n {
		p := mk()
		fmt.Fprintf(&sa, "a%d, p%d, %s, %s, %s, %s\n", i, i, p.given, p.surname, p.dob, p.postcode)
		if i%2 == 0 {
			switch i % 6 {
			case 0:
				p.given = p.given[:len(p.given)-1] + "e" // a typo
			case 2:
				p.dob = p.dob[3:5] + "/" + p.dob[:2] + p.dob[5:] // day and month swapped
			case 4:
				p.postcode = strings.ToLower(strings.ReplaceAll(p.postcode, " ", ""))
			}
			fmt.Fprintf(&sb, "b%d,p%d,%s,%s,%s,%s\n", i, i, p.given, p.surname, p.dob, p.postcode)
		}
	}
	for i := range n / 4 {
		p := mk()
		fmt.Fprintf(&sb, "bn%d,q%d,%s,%s,%s,%s\n", i, i, p.given, p.surname, p.dob, p.postcode)
	}
	return writeFile(t, dir, "a.csv", sa.String()), writeFile(t, dir, "b.csv", sb.String())
}

func TestLink(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "config.json", linkPeopleConfig)
	a, b := linkFiles(t, dir, 400)
	code, out, errs := run(t, nil, "", "link", "--config", cfg, a, b)
	if code != 0 {
		t.Fatalf("link exit %d, stderr %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if want := 1 + 400 + 200 + 100; lines[0] != "id,cluster" || len(lines) != want {
		t.Fatalf("link output has header %q and %d lines, want id,cluster and %d", lines[0], len(lines), want)
	}
	cluster := map[string]string{}
	for _, l := range lines[1:] {
		id, c, _ := strings.Cut(l, ",")
		cluster[id] = c
	}
	for _, tt := range []struct {
		a, b string
		same bool
	}{{"a0", "b0", true}, {"a2", "b2", true}, {"a4", "b4", true}, {"a1", "a3", false}, {"a0", "bn0", false}} {
		if got := cluster[tt.a] == cluster[tt.b]; got != tt.same {
			t.Errorf("same cluster(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.same)
		}
	}
	// No rules in the configuration: the rules chosen from the data are reported on
	// standard error, ready to pin, and the output holds only the clusters.
	if !strings.Contains(errs, "blocking rules chosen from the data") || !strings.Contains(errs, `to pin them: "blocking": [{"on":[`) {
		t.Errorf("link stderr = %q, want the blocking rules chosen from the data", errs)
	}
	if strings.Contains(out, "blocking") {
		t.Errorf("link output holds the blocking report, want clusters only")
	}
	// A saved model scores the same files to the same clusters without training.
	model := filepath.Join(dir, "model.json")
	code, out1, errs := run(t, nil, "", "link", "--config", cfg, "--model-out", model, a, b)
	if code != 0 {
		t.Fatalf("link --model-out exit %d, stderr %s", code, errs)
	}
	code, out2, errs := run(t, nil, "", "link", "--config", cfg, "--model", model, a, b)
	if code != 0 || out2 != out1 {
		t.Errorf("link --model exit %d (stderr %s); output differs from the trained run: %v", code, errs, out2 != out1)
	}
	// And it is that model that scores: with a prior of one match in 10^30 pairs
	// nothing links.
	saved, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	edited := regexp.MustCompile(`"prior": [0-9.e+-]+`).ReplaceAll(saved, []byte(`"prior": 1e-30`))
	writeFile(t, dir, "model.json", string(edited))
	code, out3, errs := run(t, nil, "", "link", "--config", cfg, "--model", model, a, b)
	if n := strings.Count(out3, "\n"); code != 0 || n != 1+700 || strings.Count(out3, ",1\n") != 1 {
		t.Errorf("link --model (prior 1e-30) exit %d, stderr %s; want every record in its own cluster", code, errs)
	}
	code, out, errs = run(t, nil, "", "link", "eval", "--config", cfg, a, b)
	if code != 0 || !strings.Contains(out, "probability") {
		t.Fatalf("link eval exit %d, output\n%s\nstderr %s; want a curve", code, out, errs)
	}
	var p, rc, f1 float64
	if _, err := fmt.Sscanf(out[strings.Index(out, "pairwise"):], "pairwise precision %f recall %f F1 %f", &p, &rc, &f1); err != nil || f1 < 0.99 {
		t.Errorf("link eval F1 = %v (err %v), want >= 0.99; output\n%s", f1, err, out)
	}
	// The precision/recall curve: one row per probability, and at the run's own
	// threshold (0.5) the figures of the run.
	row := regexp.MustCompile(`(?m)^([0-9.]+) +([0-9.]+) +([0-9.]+) +([0-9.]+) +\d+ +\d+$`)
	var probs []string
	for _, m := range row.FindAllStringSubmatch(out, -1) {
		probs = append(probs, m[1])
		if m[1] == "0.5" && (m[2] != fmt.Sprintf("%.4f", p) || m[3] != fmt.Sprintf("%.4f", rc) || m[4] != fmt.Sprintf("%.4f", f1)) {
			t.Errorf("curve at 0.5 = P %s R %s F1 %s, want the run's %.4f %.4f %.4f", m[2], m[3], m[4], p, rc, f1)
		}
	}
	if got, want := strings.Join(probs, " "), "0.01 0.05 0.1 0.2 0.3 0.4 0.5 0.6 0.7 0.8 0.9 0.95 0.99 0.999"; got != want {
		t.Errorf("link eval curve rows at %q, want %q; output\n%s", got, want, out)
	}
}

func TestLinkErrors(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.json", linkPeopleConfig)
	badType := writeFile(t, dir, "type.json", strings.Replace(linkPeopleConfig, `"postcode_uk"`, `"postcode_fr"`, 1))
	badDate := writeFile(t, dir, "date.json", strings.Replace(linkPeopleConfig, `DD/MM/YYYY`, `DD/MON/YYYY`, 1))
	a := writeFile(t, dir, "a.csv", linkA)
	noCol := writeFile(t, dir, "nocol.csv", "id,given,surname,dob\n1,Tom,Smith,01/01/2000\n")
	isoDates := writeFile(t, dir, "iso.json", strings.Replace(linkPeopleConfig, `, "date_format": "DD/MM/YYYY"`, "", 1))
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no config", []string{"link", a}, 2, "--config is required"},
		{"unknown comparison type", []string{"link", "--config", badType, a}, 2, `unknown comparison type "postcode_fr"`},
		{"bad date format", []string{"link", "--config", badDate, a}, 2, "bad date format"},
		{"missing column", []string{"link", "--config", good, noCol}, 1, `missing column "postcode"`},
		{"dates in another layout", []string{"link", "--config", isoDates, a}, 1, `column "dob": 3 of 3 dates do not read as YYYY-MM-DD or YYYYMMDD (no date_format given), the first "07/03/2016"`},
		{"missing file", []string{"link", "--config", good, filepath.Join(dir, "nope.csv")}, 1, "nope.csv"},
		{"three files", []string{"link", "--config", good, a, a, a}, 2, "not 3"},
		{"eval without truth", []string{"link", "eval", "--config", writeFile(t, dir, "notruth.json", strings.Replace(linkPeopleConfig, `"truth": "person",`, "", 1)), a}, 2, "needs a truth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := run(t, nil, "", tt.args...)
			if code != tt.code || !strings.Contains(errs, tt.stderr) {
				t.Errorf("bonafide %v = exit %d, stderr %q; want exit %d and %q", tt.args, code, errs, tt.code, tt.stderr)
			}
		})
	}
}

func TestLinkFEBRL(t *testing.T) {
	data := "/work/shared/data/febrl/dataset1.csv"
	if _, err := os.Stat(data); err != nil {
		t.Skipf("FEBRL data not at %s", data)
	}
	code, out, errs := run(t, nil, "", "link", "eval", "--config", "../../linkage/testdata/febrl.json", data)
	if code != 0 || !strings.Contains(out, "F1 1.0000") {
		t.Errorf("link eval FEBRL 1 = exit %d\n%s\n%s; want F1 1.0000", code, out, errs)
	}
}

// TestLinkFEBRLAuto links FEBRL 1 with fields and types only: the rules chosen from the
// data are in the eval report (not repeated on stderr), and the figures those of the
// hand-written rules.
func TestLinkFEBRLAuto(t *testing.T) {
	data := "/work/shared/data/febrl/dataset1.csv"
	if _, err := os.Stat(data); err != nil {
		t.Skipf("FEBRL data not at %s", data)
	}
	code, out, errs := run(t, nil, "", "link", "eval", "--config", "../../linkage/testdata/febrl_auto.json", data)
	if code != 0 || !strings.Contains(out, "F1 1.0000") || !strings.Contains(out, "blocking rules chosen from the data") || strings.Contains(errs, "blocking rules chosen") {
		t.Errorf("link eval FEBRL 1 (no blocking rules) = exit %d\n%s\n%s; want F1 1.0000 and the chosen rules in the report only", code, out, errs)
	}
}

// TestLinkProgress checks the progress bar goes to standard error only, when asked for
// (auto turns it on only from 100,000 records), and leaves the clusters unchanged.
func TestLinkProgress(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "config.json", linkPeopleConfig)
	a, b := linkFiles(t, dir, 200)
	tests := []struct {
		mode string
		bar  bool
	}{{"on", true}, {"off", false}, {"auto", false}}
	var first string
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			code, out, errs := run(t, nil, "", "link", "--progress", tt.mode, "--config", cfg, a, b)
			if code != 0 {
				t.Fatalf("link --progress %s exit %d, stderr %s", tt.mode, code, errs)
			}
			if first == "" {
				first = out
			} else if out != first {
				t.Errorf("link --progress %s: clusters differ from --progress on", tt.mode)
			}
			if got := strings.Contains(errs, "done in") && strings.Contains(errs, "%"); got != tt.bar {
				t.Errorf("link --progress %s: bar on stderr = %v, want %v; stderr %q", tt.mode, got, tt.bar, errs)
			}
			if strings.Contains(out, "done in") || strings.Contains(out, "\r") {
				t.Errorf("link --progress %s: progress leaked into standard output", tt.mode)
			}
		})
	}
	code, _, errs := run(t, nil, "", "link", "--progress", "sometimes", "--config", cfg, a)
	if code != 2 || !strings.Contains(errs, `--progress "sometimes"`) {
		t.Errorf("link --progress sometimes = exit %d, stderr %q; want exit 2 naming the value", code, errs)
	}
}
