package synth

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadTruth(t *testing.T) {
	in := `{"referral_id":"REF-1","family":"FAM-1","reporter":"RPT-1","campaign":null,"immediate_danger":false,"kind":"genuine_repeat"}

{"referral_id":"REF-2","family":"FAM-1","reporter":"RPT-2","campaign":"CMP-1","immediate_danger":true,"relay_of":"REF-0","kind":"campaign_relay"}
not json
{"family":"FAM-2"}
{"referral_id":"REF-3","family":"FAM-2","reporter":"RPT-3","campaign":null,"immediate_danger":false,"kind":"genuine_online"}
`
	type got struct {
		id  string
		err string
	}
	var gots []got
	for tr, err := range ReadTruth(strings.NewReader(in)) {
		g := got{id: tr.ReferralID}
		if err != nil {
			g.err = err.Error()
		}
		gots = append(gots, g)
	}
	want := []got{{id: "REF-1"}, {id: "REF-2"}, {err: "truth line 4"}, {err: "truth line 5: no referral_id"}, {id: "REF-3"}}
	if len(gots) != len(want) {
		t.Fatalf("ReadTruth yielded %d items %v, want %d", len(gots), gots, len(want))
	}
	for i := range want {
		if gots[i].id != want[i].id || !strings.HasPrefix(gots[i].err, want[i].err) || (want[i].err == "") != (gots[i].err == "") {
			t.Errorf("ReadTruth item %d = %+v, want %+v", i, gots[i], want[i])
		}
	}
	var second Truth
	for tr := range ReadTruth(strings.NewReader(in)) {
		second = tr
		if tr.ReferralID == "REF-2" {
			break // stopping early must not panic
		}
	}
	if second.Campaign == nil || *second.Campaign != "CMP-1" || !second.ImmediateDanger || second.RelayOf != "REF-0" {
		t.Errorf("ReadTruth REF-2 = %+v, want campaign CMP-1, immediate, relay of REF-0", second)
	}
}

var update = flag.Bool("update", false, "rewrite testdata golden files")

// TestGolden pins a small run byte for byte, so that any change to the
// generated data is seen in review. Run with -update after an intended one.
func TestGolden(t *testing.T) {
	var s, tr bytes.Buffer
	if _, err := Generate(context.Background(), Config{Seed: 2026, Families: 120, PublicShare: 0.05, TargetedShare: 0.4}, &s, &tr); err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		name string
		got  []byte
	}{{"small.stream.golden", s.Bytes()}, {"small.truth.golden", tr.Bytes()}} {
		path := filepath.Join("testdata", f.name)
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, f.got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if !bytes.Equal(f.got, want) {
			gl, wl := strings.Split(string(f.got), "\n"), strings.Split(string(want), "\n")
			for i := 0; i < min(len(gl), len(wl)); i++ {
				if gl[i] != wl[i] {
					t.Fatalf("%s line %d:\n got %s\nwant %s", f.name, i+1, gl[i], wl[i])
				}
			}
			t.Fatalf("%s: %d lines, want %d", f.name, len(gl), len(wl))
		}
	}
}
