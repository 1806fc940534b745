package synth2_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"bonafide"
	"bonafide/interchange"
	"bonafide/synth2"
)

func generate(t *testing.T, seed int64, families int) (stream, truth []byte, st synth2.Stats) {
	t.Helper()
	var s, tr bytes.Buffer
	st, err := synth2.Generate(context.Background(), synth2.Config{Seed: seed, Families: families}, &s, &tr)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return s.Bytes(), tr.Bytes(), st
}

// TestDeterministic: one seed, one stream, byte for byte; another seed, another.
func TestDeterministic(t *testing.T) {
	a, at, _ := generate(t, 7, 800)
	b, bt, _ := generate(t, 7, 800)
	c, _, _ := generate(t, 8, 800)
	if !bytes.Equal(a, b) || !bytes.Equal(at, bt) {
		t.Error("Generate(seed 7) twice gave different output")
	}
	if bytes.Equal(a, c) {
		t.Error("Generate(seed 7) = Generate(seed 8)")
	}
}

// TestStreamAndTruth reads the stream back with the interchange codec and
// checks what the generator promises: valid records in time order, one
// truth line per referral in stream order, persistent genuine reporters
// whose earlier referral was found substantiated, campaigns with relays,
// sparse anonymous referrals, and different families sharing a surname and
// a street.
func TestStreamAndTruth(t *testing.T) {
	stream, truth, st := generate(t, 3, 4000)
	var ids []string
	byID := map[string]*bonafide.Referral{}
	finding := map[string]bonafide.Finding{}
	var last bonafide.Record
	sc := bufio.NewScanner(bytes.NewReader(stream))
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		rec, err := interchange.Unmarshal(sc.Bytes())
		if err != nil {
			t.Fatalf("line %d: %v", line, err)
		}
		if errs := bonafide.ValidateRecord(rec); len(errs) > 0 {
			t.Fatalf("line %d: invalid: %v", line, errs)
		}
		if last != nil && rec.RecordTime().Before(last.RecordTime()) {
			t.Fatalf("line %d: out of time order", line)
		}
		last = rec
		switch r := rec.(type) {
		case *bonafide.Referral:
			ids = append(ids, r.ID)
			byID[r.ID] = r
		case *bonafide.Outcome:
			finding[r.ReferralID] = r.Finding
		}
	}
	var ts []synth2.Truth
	for l := range bytes.Lines(truth) {
		var x synth2.Truth
		if err := json.Unmarshal(l, &x); err != nil {
			t.Fatal(err)
		}
		ts = append(ts, x)
	}
	if len(ts) != len(ids) || len(ids) != st.Referrals {
		t.Fatalf("truth lines %d, referrals %d, stats %d: want equal", len(ts), len(ids), st.Referrals)
	}
	seenBy := map[string]bool{} // reporter with a substantiated referral before
	kinds := map[string]int{}
	againAfterSub, relays := 0, 0
	streetFams := map[string]map[string]bool{}
	for i, x := range ts {
		if x.ReferralID != ids[i] {
			t.Fatalf("truth line %d is %s, stream has %s", i+1, x.ReferralID, ids[i])
		}
		kinds[x.Kind]++
		if x.Campaign == nil && seenBy[x.Reporter+x.Family] {
			againAfterSub++
		}
		if finding[x.ReferralID] == bonafide.FindingSubstantiated {
			seenBy[x.Reporter+x.Family] = true
		}
		if x.RelayOf != "" {
			relays++
			if byID[x.RelayOf] == nil {
				t.Errorf("%s relays %s, not in the stream", x.ReferralID, x.RelayOf)
			}
		}
		r := byID[x.ReferralID]
		if r.Address != nil && len(r.Children) > 0 && r.Children[0].FamilyName != "" {
			k := r.Children[0].FamilyName + "|" + r.Address.Town + "|" + streetOf(r.Address.Line1)
			if streetFams[k] == nil {
				streetFams[k] = map[string]bool{}
			}
			streetFams[k][x.Family] = true
		}
	}
	shared := 0
	for _, fs := range streetFams {
		if len(fs) > 1 {
			shared++
		}
	}
	for _, k := range []string{synth2.KindNan, synth2.KindTeacher, synth2.KindSparse, synth2.KindOnline, synth2.KindCampCalm, synth2.KindCampLoud, synth2.KindCampTwisted, synth2.KindCampRelay} {
		if kinds[k] == 0 {
			t.Errorf("no referral of kind %s in %v", k, kinds)
		}
	}
	if againAfterSub < 20 {
		t.Errorf("genuine reporters reporting again after a substantiated finding = %d, want >= 20", againAfterSub)
	}
	if shared < 5 {
		t.Errorf("surname+street pairs shared by two real families = %d, want >= 5", shared)
	}
	if relays != st.Relays || relays == 0 {
		t.Errorf("relays %d, stats %d", relays, st.Relays)
	}
}

// streetOf drops a house number.
func streetOf(line string) string {
	for i := 0; i < len(line); i++ {
		if line[i] == ' ' {
			return line[i+1:]
		}
	}
	return line
}

func TestConfigRefused(t *testing.T) {
	for _, c := range []synth2.Config{{Families: -1}, {Families: synth2.MaxFamilies + 1}, {Days: 5}} {
		if _, err := synth2.Generate(context.Background(), c, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
			t.Errorf("Generate(%+v) = nil error, want one", c)
		}
	}
}
