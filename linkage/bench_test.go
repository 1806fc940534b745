package linkage

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"bonafide/synth"
)

// benchPeople returns a synth.PeopleCSV file of BONAFIDE_BENCH_PEOPLE rows (default
// 1,000,000), made once per process.
var benchPeople = sync.OnceValues(func() ([]byte, error) {
	n := 1_000_000
	if v := os.Getenv("BONAFIDE_BENCH_PEOPLE"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	err := synth.PeopleCSV(context.Background(), 1, n, &buf)
	return buf.Bytes(), err
})

// cpuSeconds returns the user and system CPU time the process has used.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// peakRSS returns the process's peak resident memory in MiB (Linux), or -1.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err == nil {
				return float64(kb) / 1024
			}
		}
	}
	return -1
}

// BenchmarkDedupe1M reads, prepares, trains, blocks, scores and clusters a million
// generated person records (BONAFIDE_BENCH_PEOPLE to change the size) and reports
// seconds per run, pairwise F1 against the generator's truth and peak memory.
// BONAFIDE_BENCH_AUTO=1 drops the configuration's blocking rules, so that they are
// chosen from the data ([ChooseBlocking]).
//
//	go test ./linkage -run '^$' -bench Dedupe1M -benchtime 1x
func BenchmarkDedupe1M(b *testing.B) {
	data, err := benchPeople()
	if err != nil {
		b.Fatal(err)
	}
	c := loadConfig(b, "testdata/people.json")
	if os.Getenv("BONAFIDE_BENCH_AUTO") == "1" {
		c.Blocking = nil
	}
	var m Metrics
	var n int
	var cpu float64
	for b.Loop() {
		c0 := cpuSeconds()
		s, err := NewSchema(c.Fields)
		if err != nil {
			b.Fatal(err)
		}
		tb, err := c.ReadCSV(bytes.NewReader(data), s, 0)
		if err != nil {
			b.Fatal(err)
		}
		res, err := c.Run(context.Background(), s, tb.Records, false, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		cpu += cpuSeconds() - c0
		if res.Auto != nil {
			for _, ch := range res.Auto.Chosen {
				b.Logf("chosen rule %s: %d pairs, estimated recall %.4f, adds %.4f", ch.Rule, ch.Pairs, ch.Recall, ch.Gain)
			}
		}
		n = len(tb.Records)
		m = Evaluate(res.Clusters, tb.Truth)
		b.StartTimer()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/run")
	b.ReportMetric(cpu/float64(b.N), "cpu-s/run")
	b.ReportMetric(m.F1(), "F1")
	b.ReportMetric(m.Precision(), "precision")
	b.ReportMetric(m.Recall(), "recall")
	b.ReportMetric(peakRSS(), "peak-MiB")
}

// BenchmarkIndexQuery loads all but 10,000 of the generated records into an Index (with
// their true entities) and times single queries for the rest, reporting p50 and p99
// latency and memory.
//
//	go test ./linkage -run '^$' -bench IndexQuery -benchtime 1x
func BenchmarkIndexQuery(b *testing.B) {
	data, err := benchPeople()
	if err != nil {
		b.Fatal(err)
	}
	c := loadConfig(b, "testdata/people.json")
	s, err := NewSchema(c.Fields)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	var ms0 runtime.MemStats // before the records: the generated CSV is not the index's
	runtime.ReadMemStats(&ms0)
	tb, err := c.ReadCSV(bytes.NewReader(data), s, 0)
	if err != nil {
		b.Fatal(err)
	}
	const queries = 10_000
	known := tb.Records[:len(tb.Records)-queries]
	s.SetFrequencies(known)
	bl, err := NewBlocker(s, c.Blocking, known, c.MaxBlock, false)
	if err != nil {
		b.Fatal(err)
	}
	model, err := Train(context.Background(), s, known, bl, TrainOptions{})
	if err != nil {
		b.Fatal(err)
	}
	bl = nil
	x, err := NewIndex(model, c.Blocking, c.Threshold, c.MaxBlock)
	if err != nil {
		b.Fatal(err)
	}
	ent := make([]int, len(known))
	ids := map[string]int{}
	for i := range known {
		e, ok := ids[tb.Truth[i]]
		if !ok {
			e = len(ids)
			ids[tb.Truth[i]] = e
		}
		ent[i] = e
	}
	t0 := time.Now()
	if err := x.Load(known, ent); err != nil {
		b.Fatal(err)
	}
	load := time.Since(t0)
	// Only the index, its model and the queries stay reachable: the heap difference is
	// the index.
	qs := slices.Clone(tb.Records[len(tb.Records)-queries:])
	tb, known, ent, ids = nil, nil, nil, nil
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	lat := make([]time.Duration, 0, queries)
	var digest uint64
	for b.Loop() {
		lat = lat[:0]
		digest = 14695981039346656037
		for i := range qs {
			t0 := time.Now()
			got := x.Query(qs[i], 0.5, 5)
			lat = append(lat, time.Since(t0))
			digest = digestMatches(digest, got)
		}
	}
	slices.Sort(lat)
	n := x.Len()
	heap := float64(int64(ms.HeapInuse)-int64(ms0.HeapInuse)) / (1 << 20)
	b.ReportMetric(float64(n), "indexed")
	b.ReportMetric(load.Seconds(), "load-s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(heap, "index-MiB")
	b.ReportMetric(heap*(1<<20)/float64(n), "B/record")
	b.ReportMetric(float64(digest>>40), "answers-digest")
	b.ReportMetric(peakRSS(), "peak-MiB")
}

// digestMatches folds query answers (entity, record, weights to 1e-9) into an FNV-style
// hash, so that two versions of the index can be shown to answer identically.
func digestMatches(h uint64, ms []Match) uint64 {
	mix := func(v uint64) {
		h ^= v
		h *= 1099511628211
	}
	mix(uint64(len(ms)))
	for _, m := range ms {
		mix(uint64(m.Entity))
		for i := 0; i < len(m.RecordID); i++ {
			mix(uint64(m.RecordID[i]))
		}
		mix(uint64(int64(math.Round(m.Weight * 1e9))))
		for _, f := range m.Why.Fields {
			mix(uint64(int64(math.Round(f.Weight * 1e9))))
		}
	}
	return h
}

// rss returns the process's current resident memory in MiB (Linux), or -1.
func rss() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err == nil {
				return float64(kb) / 1024
			}
		}
	}
	return -1
}

// BenchmarkIndexStream builds an index of BONAFIDE_BENCH_PEOPLE generated people
// (default 1,000,000) the way a large one must be built: the model is trained on a
// separate generated set of at most a million, then the records are generated, prepared
// and loaded in pieces of 500,000 with their true entities, so that only the index and
// one piece are ever in memory. The last 10,000 records are held out and queried one at
// a time. It reports load time (generation and preparation included), the index heap
// (HeapInuse after GC, less the heap before), resident memory and query latency.
//
//	BONAFIDE_BENCH_PEOPLE=10000000 go test ./linkage -run '^$' -bench IndexStream -benchtime 1x -timeout 60m
func BenchmarkIndexStream(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("BONAFIDE_BENCH_PEOPLE"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	const queries = 10_000
	if n <= queries {
		b.Fatalf("BONAFIDE_BENCH_PEOPLE=%d: want more than %d", n, queries)
	}
	c := loadConfig(b, "testdata/people.json")
	s, err := NewSchema(c.Fields)
	if err != nil {
		b.Fatal(err)
	}
	model := func() *Model { // a separate training set, dropped once trained
		var buf bytes.Buffer
		if err := synth.PeopleCSV(context.Background(), 2, min(n, 1_000_000), &buf); err != nil {
			b.Fatal(err)
		}
		tb, err := c.ReadCSV(&buf, s, 0)
		if err != nil {
			b.Fatal(err)
		}
		s.SetFrequencies(tb.Records)
		bl, err := NewBlocker(s, c.Blocking, tb.Records, c.MaxBlock, false)
		if err != nil {
			b.Fatal(err)
		}
		m, err := Train(context.Background(), s, tb.Records, bl, TrainOptions{})
		if err != nil {
			b.Fatal(err)
		}
		return m
	}()
	x, err := NewIndex(model, c.Blocking, c.Threshold, c.MaxBlock)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	var ms0 runtime.MemStats
	runtime.ReadMemStats(&ms0)

	t0 := time.Now()
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(synth.PeopleCSV(context.Background(), 1, n, pw)) }()
	cr := csv.NewReader(bufio.NewReaderSize(pr, 1<<20))
	head, err := cr.Read()
	if err != nil {
		b.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	idc, truthc := col[c.ID], col[c.Truth]
	fieldc := make([]int, len(s.Fields))
	for i, f := range s.Fields {
		fieldc[i] = col[f.Name]
	}
	prepare := func(rows [][]string) []Record {
		recs := make([]Record, len(rows))
		parallelRange(len(rows), func(lo, hi int) {
			raw := make([]string, len(fieldc))
			for i := lo; i < hi; i++ {
				for f, k := range fieldc {
					raw[f] = rows[i][k]
				}
				recs[i] = s.Prepare(rows[i][idc], raw)
			}
		})
		return recs
	}
	// Pieces are prepared and loaded by a second goroutine while the next one is
	// generated and read: the index's insertion is serial, and so is the generator.
	type piece struct {
		rows [][]string
		ent  []int32
	}
	pieces := make(chan piece)
	loaded := make(chan error)
	go func() {
		var err error
		for p := range pieces {
			if err == nil {
				err = x.LoadEntities(prepare(p.rows), p.ent)
			}
		}
		loaded <- err
	}()
	entities := map[string]int32{}
	const pieceSize = 500_000
	var rows [][]string
	var ent []int32
	var qTruth []int32 // per query: its person's entity number, or -1 when none is indexed
	for i := 0; ; i++ {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		if i == n-queries {
			pieces <- piece{rows, ent}
			rows, ent = nil, nil
		}
		rows = append(rows, row)
		if i >= n-queries {
			e, ok := entities[row[truthc]]
			if !ok {
				e = -1
			}
			qTruth = append(qTruth, e)
			continue
		}
		e, ok := entities[row[truthc]]
		if !ok {
			e = int32(len(entities))
			// A clone: the field shares the memory of the whole CSV line.
			entities[strings.Clone(row[truthc])] = e
		}
		ent = append(ent, e)
		if len(rows) == pieceSize {
			pieces <- piece{rows, ent}
			rows, ent = nil, nil
		}
	}
	close(pieces)
	if err := <-loaded; err != nil {
		b.Fatal(err)
	}
	qs := prepare(rows)
	entities, rows, ent = nil, nil, nil
	x.SetFrequencies()
	load := time.Since(t0)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	debug.FreeOSMemory()
	resident := rss()

	lat := make([]time.Duration, 0, queries)
	var digest uint64
	var q queryQuality
	for b.Loop() {
		lat = lat[:0]
		digest = 14695981039346656037
		q = queryQuality{}
		for i := range qs {
			t0 := time.Now()
			got := x.Query(qs[i], 0.5, 5)
			lat = append(lat, time.Since(t0))
			digest = digestMatches(digest, got)
			q.add(qTruth[i], got)
		}
	}
	cand := make([]int, len(qs))
	for i := range qs {
		cand[i] = indexCandidates(x, &qs[i])
	}
	slices.Sort(lat)
	slices.Sort(cand)
	heap := float64(int64(ms.HeapInuse)-int64(ms0.HeapInuse)) / (1 << 20)
	b.ReportMetric(float64(x.Len()), "indexed")
	b.ReportMetric(float64(len(lat)), "queries")
	b.ReportMetric(float64(cand[len(cand)/2]), "cand-p50")
	b.ReportMetric(float64(cand[len(cand)*99/100]), "cand-p99")
	b.ReportMetric(q.recall(), "q-recall")
	b.ReportMetric(q.top1(), "q-top1")
	b.ReportMetric(q.unseenMatched(), "q-unseen-matched")
	b.ReportMetric(load.Seconds(), "load-s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(heap, "index-MiB")
	b.ReportMetric(heap*(1<<20)/float64(x.Len()), "B/record")
	b.ReportMetric(resident, "rss-MiB")
	b.ReportMetric(peakRSS(), "peak-MiB")
	b.ReportMetric(float64(digest>>40), "answers-digest")
}

// queryQuality scores index answers against the generator's truth. A query whose person
// is indexed should have that person's entity among its matches, best first; a query
// whose person is not should match nobody.
type queryQuality struct {
	known, found, first int // queries with their person indexed; found among matches; found first
	unseen, matched     int // queries of a person not indexed; those matched to someone
}

func (q *queryQuality) add(truth int32, got []Match) {
	if truth < 0 {
		q.unseen++
		if len(got) > 0 {
			q.matched++
		}
		return
	}
	q.known++
	for i, m := range got {
		if m.Entity == int(truth) {
			q.found++
			if i == 0 {
				q.first++
			}
			break
		}
	}
}

func (q *queryQuality) recall() float64        { return float64(q.found) / float64(max(q.known, 1)) }
func (q *queryQuality) top1() float64          { return float64(q.first) / float64(max(q.known, 1)) }
func (q *queryQuality) unseenMatched() float64 { return float64(q.matched) / float64(max(q.unseen, 1)) }

// indexCandidates counts the postings a query of rec reads: the records in each of its
// blocks that is not skipped as oversized, a record met under several rules counted
// each time. It is the work that sets a query's time.
func indexCandidates(x *Index, rec *Record) int {
	n := 0
	for r, ks := range x.rules {
		k := ruleKey(r, ks, rec)
		if k == 0 {
			continue
		}
		merged, delta := x.postings(k)
		if l := len(merged) + len(delta); l <= x.maxPost {
			n += l
		}
	}
	return n
}
