package synth

import (
	"bufio"
	"cmp"
	"container/heap"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"
)

// Generate writes the interchange stream (referrals, public posts, forum
// posts and outcomes, in time order) to stream and one Truth line per
// referral, in the same order, to truth.
//
// The output depends only on cfg (not on ChunkFamilies, TempDir or the
// number of CPUs). Memory is bounded independently of cfg.Families:
// families are generated ChunkFamilies at a time, each chunk sorted by time
// and spilled to a temporary file as a run, and the runs merged; when there
// are more than mergeFanIn runs they are merged in passes, so at most
// mergeFanIn read buffers are ever open. With a single chunk nothing is
// spilled.
func Generate(ctx context.Context, cfg Config, stream, truth io.Writer) (Stats, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return Stats{}, fmt.Errorf("synth: %w", err)
	}
	st := Stats{Families: cfg.Families, Kinds: make(map[string]int)}
	sw := bufio.NewWriterSize(stream, 256<<10)
	tw := bufio.NewWriterSize(truth, 64<<10)
	keys := newIDKeys(cfg.Seed)
	end := cfg.Start.AddDate(0, cfg.Months, 0)
	out := &output{stream: sw, truth: tw}

	if cfg.Families <= cfg.ChunkFamilies {
		evs, err := genChunk(ctx, &cfg, keys, end, 0, cfg.Families, &st)
		if err != nil {
			return st, err
		}
		for i := range evs {
			if err := out.write(&evs[i]); err != nil {
				return st, err
			}
		}
	} else {
		if err := spillAndMerge(ctx, &cfg, keys, end, out, &st); err != nil {
			return st, err
		}
	}
	if err := sw.Flush(); err != nil {
		return st, fmt.Errorf("synth: write stream: %w", err)
	}
	if err := tw.Flush(); err != nil {
		return st, fmt.Errorf("synth: write truth: %w", err)
	}
	return st, nil
}

type output struct {
	stream, truth *bufio.Writer
}

func (o *output) write(ev *event) error {
	if _, err := o.stream.Write(ev.line); err != nil {
		return fmt.Errorf("synth: write stream: %w", err)
	}
	if ev.truth != nil {
		if _, err := o.truth.Write(ev.truth); err != nil {
			return fmt.Errorf("synth: write truth: %w", err)
		}
	}
	return nil
}

func eventLess(a, b *event) int {
	if c := cmp.Compare(a.at, b.at); c != 0 {
		return c
	}
	return cmp.Compare(a.key, b.key)
}

// genChunk generates families [from, to) on all CPUs and returns their
// events sorted by time.
func genChunk(ctx context.Context, cfg *Config, keys *idKeys, end time.Time, from, to int, st *Stats) ([]event, error) {
	workers := min(runtime.GOMAXPROCS(0), max(1, (to-from)/64))
	parts := make([][]event, workers)
	stats := make([]Stats, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	per := (to - from + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := from+w*per, min(from+(w+1)*per, to)
		wg.Add(1)
		go func() {
			defer wg.Done()
			stats[w].Kinds = make(map[string]int)
			for f := lo; f < hi; f++ {
				if f%256 == 0 {
					if err := ctx.Err(); err != nil {
						errs[w] = fmt.Errorf("synth: %w", err)
						return
					}
				}
				parts[w] = genFamily(cfg, keys, end, uint64(f), &stats[w], parts[w])
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	n := 0
	for w := range parts {
		n += len(parts[w])
		st.add(&stats[w])
	}
	evs := make([]event, 0, n)
	for _, p := range parts {
		evs = append(evs, p...)
	}
	slices.SortFunc(evs, func(a, b event) int { return eventLess(&a, &b) })
	return evs, nil
}

// genFamily appends family idx's events to out.
func genFamily(cfg *Config, keys *idKeys, end time.Time, idx uint64, st *Stats, out []event) []event {
	g := &famGen{cfg: cfg, keys: keys, idx: idx, r: newRand(cfg.Seed, labelFamily, idx), start: cfg.Start, end: end, stats: st, out: out}
	g.famID = keys.fam.id("FAM", idx)
	g.newFamily()
	// Rare roles are spread evenly over the families rather than drawn
	// family by family, so even a small run has its share of campaigns.
	targeted, ordinal := spread(cfg.Seed, 1, idx, cfg.PublicShare*cfg.TargetedShare)
	isPublic := targeted || chance(g.r, cfg.PublicShare*(1-cfg.TargetedShare))
	isFeud, _ := spread(cfg.Seed, 2, idx, cfg.FeudShare)
	feud := !isPublic && isFeud
	if isPublic {
		g.newPublic()
	}
	g.genuine()
	switch {
	case targeted:
		g.campaignFor(ordinal)
	case isPublic && chance(g.r, 0.3):
		g.gossipOnly()
	case feud:
		g.feud()
	}
	return g.out
}

// spread reports whether family idx is one of a share rate of families,
// chosen so that any run of n consecutive families holds rate*n of them to
// within one, at a seed-dependent phase, and which one it is, counting
// from 0. It needs nothing but idx.
func spread(seed int64, stream, idx uint64, rate float64) (bool, uint64) {
	if rate <= 0 {
		return false, 0
	}
	u := float64(mix(uint64(seed)^mix(stream+0x5eed))>>11) / (1 << 53)
	hi, lo := int64(float64(idx+1)*rate+u), int64(float64(idx)*rate+u)
	return hi > lo, uint64(lo)
}

// mergeFanIn bounds how many runs are read at once.
const mergeFanIn = 64

// run is a sorted sequence of encoded events in a temporary file.
type run struct {
	f        *os.File
	off, len int64
}

// Run records are: at int64, key uint64, line length uint32, truth length
// uint32, line, truth; all big-endian.
func writeRun(w *bufio.Writer, ev *event) error {
	var h [24]byte
	binary.BigEndian.PutUint64(h[0:], uint64(ev.at))
	binary.BigEndian.PutUint64(h[8:], ev.key)
	binary.BigEndian.PutUint32(h[16:], uint32(len(ev.line)))
	binary.BigEndian.PutUint32(h[20:], uint32(len(ev.truth)))
	if _, err := w.Write(h[:]); err != nil {
		return err
	}
	if _, err := w.Write(ev.line); err != nil {
		return err
	}
	_, err := w.Write(ev.truth)
	return err
}

type runReader struct {
	br  *bufio.Reader
	cur event
}

func (rr *runReader) next() (bool, error) {
	var h [24]byte
	if _, err := io.ReadFull(rr.br, h[:]); err != nil {
		if err == io.EOF {
			return false, nil
		}
		return false, err
	}
	rr.cur.at = int64(binary.BigEndian.Uint64(h[0:]))
	rr.cur.key = binary.BigEndian.Uint64(h[8:])
	ll, tl := binary.BigEndian.Uint32(h[16:]), binary.BigEndian.Uint32(h[20:])
	buf := make([]byte, ll+tl)
	if _, err := io.ReadFull(rr.br, buf); err != nil {
		return false, err
	}
	rr.cur.line = buf[:ll:ll]
	rr.cur.truth = nil
	if tl > 0 {
		rr.cur.truth = buf[ll:]
	}
	return true, nil
}

type runHeap []*runReader

func (h runHeap) Len() int           { return len(h) }
func (h runHeap) Less(i, j int) bool { return eventLess(&h[i].cur, &h[j].cur) < 0 }
func (h runHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)        { *h = append(*h, x.(*runReader)) }
func (h *runHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// mergeRuns merges runs in time order, calling emit for each event.
func mergeRuns(ctx context.Context, runs []run, emit func(*event) error) error {
	h := make(runHeap, 0, len(runs))
	for _, rn := range runs {
		rr := &runReader{br: bufio.NewReaderSize(io.NewSectionReader(rn.f, rn.off, rn.len), 32<<10)}
		ok, err := rr.next()
		if err != nil {
			return fmt.Errorf("synth: read run: %w", err)
		}
		if ok {
			h = append(h, rr)
		}
	}
	heap.Init(&h)
	n := 0
	for h.Len() > 0 {
		if n++; n%65536 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("synth: %w", err)
			}
		}
		top := h[0]
		if err := emit(&top.cur); err != nil {
			return err
		}
		ok, err := top.next()
		if err != nil {
			return fmt.Errorf("synth: read run: %w", err)
		}
		if ok {
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
	}
	return nil
}

// spillAndMerge generates chunk by chunk into sorted runs and merges them.
func spillAndMerge(ctx context.Context, cfg *Config, keys *idKeys, end time.Time, out *output, st *Stats) (err error) {
	var files []*os.File
	newFile := func() (*os.File, error) {
		f, err := os.CreateTemp(cfg.TempDir, "bonafide-synth-*.run")
		if err != nil {
			return nil, fmt.Errorf("synth: temporary file: %w", err)
		}
		os.Remove(f.Name()) // unlinked: the space is freed however we exit
		files = append(files, f)
		return f, nil
	}
	defer func() {
		for _, f := range files {
			if cerr := f.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("synth: close temporary file: %w", cerr)
			}
		}
	}()
	f, err := newFile()
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	var runs []run
	var off int64
	for from := 0; from < cfg.Families; from += cfg.ChunkFamilies {
		evs, err := genChunk(ctx, cfg, keys, end, from, min(from+cfg.ChunkFamilies, cfg.Families), st)
		if err != nil {
			return err
		}
		start := off
		for i := range evs {
			if err := writeRun(bw, &evs[i]); err != nil {
				return fmt.Errorf("synth: spill: %w", err)
			}
			off += int64(24 + len(evs[i].line) + len(evs[i].truth))
		}
		runs = append(runs, run{f: f, off: start, len: off - start})
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("synth: spill: %w", err)
	}
	// Merge in passes until few enough runs remain for one final merge.
	for len(runs) > mergeFanIn {
		nf, err := newFile()
		if err != nil {
			return err
		}
		nw := bufio.NewWriterSize(nf, 256<<10)
		var next []run
		var noff int64
		for i := 0; i < len(runs); i += mergeFanIn {
			group := runs[i:min(i+mergeFanIn, len(runs))]
			start := noff
			err := mergeRuns(ctx, group, func(ev *event) error {
				noff += int64(24 + len(ev.line) + len(ev.truth))
				return writeRun(nw, ev)
			})
			if err != nil {
				return err
			}
			next = append(next, run{f: nf, off: start, len: noff - start})
		}
		if err := nw.Flush(); err != nil {
			return fmt.Errorf("synth: spill: %w", err)
		}
		// The previous pass's file is read; close it to free its space.
		for _, old := range files[:len(files)-1] {
			if err := old.Close(); err != nil {
				return fmt.Errorf("synth: close temporary file: %w", err)
			}
		}
		files = files[len(files)-1:]
		runs = next
	}
	return mergeRuns(ctx, runs, out.write)
}
