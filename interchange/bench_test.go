package interchange

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"bonafide"
)

// benchFile builds n records shaped like real intake: mostly referrals with
// one to three children, a reporter, an address, concerns and a paragraph of
// narrative, with some posts and outcomes between. Names are invented.
func benchFile(tb testing.TB, n int) (data []byte, referrals int) {
	tb.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	given := []string{"Ada", "Bo", "Cy", "Dee", "Eli", "Fen", "Gus", "Hal", "Ivy", "Jem"}
	family := []string{"Testchild", "Exampleton", "Sampleford", "Mockridge", "Fakeley"}
	words := strings.Fields("the child was seen outside late at night without a coat and said there was no food at home neighbours heard shouting again")
	var buf bytes.Buffer
	w := NewWriter(&buf)
	at := time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC)
	for i := range n {
		at = at.Add(time.Duration(rng.IntN(600)) * time.Second)
		var rec bonafide.Record
		switch k := rng.IntN(10); {
		case k < 8:
			fam := family[rng.IntN(len(family))]
			r := &bonafide.Referral{
				ID: fmt.Sprintf("R-%06d", i), ReceivedAt: at, Channel: bonafide.Channels[rng.IntN(5)],
				Reporter:       &bonafide.Reporter{GivenName: given[rng.IntN(10)], FamilyName: "Reporter", Phone: "01632 960000", Relationship: bonafide.RelNeighbour, ContactIP: "192.0.2.1"},
				KnowledgeBasis: bonafide.KnowledgeFirstHand,
				Address:        &bonafide.Address{Line1: fmt.Sprintf("%d Test Row", rng.IntN(200)), Town: "Testtown", Postcode: "ZZ9 9ZZ"},
				Concerns:       []bonafide.Concern{{Category: bonafide.ConcernNeglect, Detail: "left alone"}},
			}
			for range 1 + rng.IntN(3) {
				r.Children = append(r.Children, bonafide.Person{GivenName: given[rng.IntN(10)], FamilyName: fam,
					DOB: bonafide.PartialDate{Year: 2010 + rng.IntN(14), Month: 1 + rng.IntN(12), Day: 1 + rng.IntN(28)}, Role: bonafide.RoleChild})
			}
			r.Adults = []bonafide.Person{{GivenName: given[rng.IntN(10)], FamilyName: fam, Role: bonafide.RoleMother,
				SocialHandles: []bonafide.SocialHandle{{Platform: "photoapp", Handle: "@" + strings.ToLower(fam)}}}}
			var nb strings.Builder
			for range 40 + rng.IntN(40) {
				nb.WriteString(words[rng.IntN(len(words))])
				nb.WriteByte(' ')
			}
			r.Narrative = nb.String()
			rec = r
			referrals++
		case k < 9:
			rec = &bonafide.PublicPost{ID: fmt.Sprintf("P-%06d", i), Platform: "photoapp", Handle: "@x", PostedAt: at, Text: "day at the park", URL: "https://example.org/p"}
		default:
			rec = &bonafide.Outcome{ReferralID: fmt.Sprintf("R-%06d", i-1), DecidedAt: at, Decision: bonafide.DecisionEarlyHelp}
		}
		if err := w.Write(rec); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes(), referrals
}

// TestBenchFileValid checks the benchmark's input is valid, and that
// records keep nothing of the Reader's buffer: the file is several buffers
// long, and every record is encoded only after all have been read.
func TestBenchFileValid(t *testing.T) {
	data, _ := benchFile(t, 500)
	if len(data) < 4*64<<10 {
		t.Fatalf("bench file is %d bytes, want several read buffers", len(data))
	}
	var recs []bonafide.Record
	for rec, err := range NewReader(bytes.NewReader(data)).All() {
		if err != nil {
			t.Fatalf("record %d: %v", len(recs)+1, err)
		}
		recs = append(recs, rec)
	}
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	if len(recs) != len(lines) {
		t.Fatalf("read %d records, want %d", len(recs), len(lines))
	}
	for i, rec := range recs {
		b, err := Encode(rec)
		if err != nil || !bytes.Equal(b, lines[i]) {
			t.Fatalf("Encode(record %d) = %s, %v, want %s", i+1, b, err, lines[i])
		}
	}
}

// BenchmarkReader reads a file of 10,000 mixed records per iteration and
// reports records/s and MB/s on one core.
func BenchmarkReader(b *testing.B) {
	const n = 10000
	data, _ := benchFile(b, n)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		rd := NewReader(bytes.NewReader(data))
		for {
			_, err := rd.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	reportRate(b, n, cpu0)
}

// reportRate reports records per wall-second and, where known, per
// CPU-second of the whole process (GC included). Run with -cpu 1 so that the
// two agree on an idle machine; on a busy one the second is the fairer.
func reportRate(b *testing.B, n int, cpu0 time.Duration) {
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	if cpu := cpuTime() - cpu0; cpu > 0 && cpu0 > 0 {
		b.ReportMetric(float64(n)*float64(b.N)/cpu.Seconds(), "records/cpu-s")
	}
}

// BenchmarkWriter writes the same 10,000 records per iteration.
func BenchmarkWriter(b *testing.B) {
	const n = 10000
	data, _ := benchFile(b, n)
	var recs []bonafide.Record
	for rec, err := range NewReader(bytes.NewReader(data)).All() {
		if err != nil {
			b.Fatal(err)
		}
		recs = append(recs, rec)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		w := NewWriter(io.Discard)
		for _, rec := range recs {
			if err := w.Write(rec); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, n, cpu0)
}
