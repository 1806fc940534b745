package httpapi

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"

	"bonafide/sqlite"
)

// worstBodies returns n referral bodies of the kinds that cost a server
// most to refuse, each under DefaultMaxReferralBytes, in turn: 200,000
// empty children; 300,000 nested brackets; one unknown member of 900 KB;
// 80,000 unknown members.
func worstBodies(tb testing.TB, n int) [][]byte {
	tb.Helper()
	const head = `{"type":"referral","id":"REF-W","received_at":"2025-03-04T09:15:00Z","channel":"phone",`
	members := make([]string, 80000)
	for i := range members {
		members[i] = fmt.Sprintf(`"x%05d":0`, i)
	}
	kinds := [][]byte{
		[]byte(head + `"children":[` + strings.TrimSuffix(strings.Repeat(`{},`, 200000), ",") + `]}`),
		[]byte(head + `"children":[{}],"x":` + strings.Repeat("[", 300000) + strings.Repeat("]", 300000) + `}`),
		[]byte(head + `"children":[{}],"x":"` + strings.Repeat("x", 900<<10) + `"}`),
		[]byte(head + `"children":[{}],` + strings.Join(members, ",") + `}`),
	}
	for _, k := range kinds {
		if int64(len(k)) > DefaultMaxReferralBytes {
			tb.Fatalf("worst body of %d bytes is over DefaultMaxReferralBytes", len(k))
		}
	}
	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i] = kinds[i%len(kinds)]
	}
	return bodies
}

// burst sends every body at once to POST /api/v1/referrals, checks each is
// refused with 400, and returns the bytes the process allocated while
// serving them (runtime.MemStats.TotalAlloc). That is the most the burst
// can make the heap grow: the peak with the collector off, and a bound on
// it with the collector on. It does not depend on timing.
func burst(tb testing.TB, url, token string, client *http.Client, bodies [][]byte) uint64 {
	tb.Helper()
	start := make(chan struct{})
	var wg sync.WaitGroup
	for _, body := range bodies {
		wg.Go(func() {
			<-start
			req, err := http.NewRequest(http.MethodPost, url+"/api/v1/referrals", bytes.NewReader(body))
			if err != nil {
				tb.Error(err)
				return
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := client.Do(req)
			if err != nil {
				tb.Error(err)
				return
			}
			defer resp.Body.Close()
			if _, err := io.Copy(io.Discard, resp.Body); err != nil {
				tb.Error(err)
			}
			if resp.StatusCode != http.StatusBadRequest {
				tb.Errorf("POST worst body = %d, want 400", resp.StatusCode)
			}
		})
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	close(start)
	wg.Wait()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// maxBurstHeap bounds what 32 concurrent worst bodies (22.9 MiB of bodies
// in all) may cost the server. They cost 25.6 MiB when the bound was set;
// before the decoder enforced its counts while reading and bodies were read
// into buffers of their own size, 1,721 MiB (docs/benchmarks.md).
const maxBurstHeap = 64 << 20

// TestWorstBodiesMemory checks that 32 concurrent worst-case referral
// bodies cost the server at most maxBurstHeap: a small multiple of what
// was sent, not hundreds of times it.
func TestWorstBodiesMemory(t *testing.T) {
	e := newEnv(t, nil)
	tr := &http.Transport{MaxIdleConnsPerHost: 32}
	defer tr.CloseIdleConnections()
	bodies := worstBodies(t, 32)
	var sent int
	for _, b := range bodies {
		sent += len(b)
	}
	got := burst(t, e.ts.URL, e.token, &http.Client{Transport: tr}, bodies)
	t.Logf("32 worst bodies (%.1f MiB sent) cost %.1f MiB", float64(sent)/(1<<20), float64(got)/(1<<20))
	if got > maxBurstHeap {
		t.Errorf("32 worst bodies (%.1f MiB sent) cost %.1f MiB of heap, want at most %d MiB",
			float64(sent)/(1<<20), float64(got)/(1<<20), maxBurstHeap>>20)
	}
}

// BenchmarkWorstBodies sends 32 concurrent worst-case referral bodies per
// iteration to a loopback server on SQLite and reports the heap they cost
// (MiB allocated while serving them, the collector's work included).
func BenchmarkWorstBodies(b *testing.B) {
	store := openStore(b)
	srv := NewServer(store, slog.New(slog.DiscardHandler))
	srv.Users = store.(*sqlite.Store).Users()
	token := mustToken(b, srv.Users, "bench")
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 32}
	defer tr.CloseIdleConnections()
	bodies := worstBodies(b, 32)
	var total uint64
	for b.Loop() {
		total += burst(b, ts.URL, token, &http.Client{Transport: tr}, bodies)
	}
	b.ReportMetric(float64(total)/float64(b.N)/(1<<20), "heap-MiB/32-bodies")
}
