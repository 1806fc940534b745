package triage_test

import (
	"bytes"
	"context"
	"testing"

	"bonafide/interchange"
	"bonafide/triage"
	"bonafide/triage/triagetest"
)

// TestSameStreamSameAssessments runs one stream through fresh engines
// several times: the output must not change between runs. Go randomises
// map order on every range, so a tie broken by map order shows here. The
// stream (triagetest seed 11, 150 families) holds two identical public
// posts at one time that an allegation restates, the case that once made
// the answer depend on map order.
func TestSameStreamSameAssessments(t *testing.T) {
	var in bytes.Buffer
	for _, it := range triagetest.Generate(triagetest.Config{Seed: 11, Families: 150, PublicShare: 0.2}) {
		b, err := interchange.Encode(it.Rec)
		if err != nil {
			t.Fatal(err)
		}
		in.Write(b)
		in.WriteByte('\n')
	}
	var first []byte
	for run := range 6 {
		e, err := triage.New(triage.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if _, err := triage.Run(context.Background(), e, bytes.NewReader(in.Bytes()), &out, nil); err != nil {
			t.Fatal(err)
		}
		if run == 0 {
			first = out.Bytes()
			if len(first) == 0 {
				t.Fatal("no assessments")
			}
			continue
		}
		if !bytes.Equal(out.Bytes(), first) {
			a, b := bytes.Split(first, []byte("\n")), bytes.Split(out.Bytes(), []byte("\n"))
			for i := range min(len(a), len(b)) {
				if !bytes.Equal(a[i], b[i]) {
					t.Fatalf("run %d differs from run 0 at assessment %d:\n%s\n%s", run, i+1, a[i], b[i])
				}
			}
			t.Fatalf("run %d gives %d lines, run 0 %d", run, len(b), len(a))
		}
	}
}
