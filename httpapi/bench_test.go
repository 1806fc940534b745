package httpapi

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"bonafide/sqlite"
)

// BenchmarkIntake measures referrals stored per second through POST
// /api/v1/referrals on a loopback server into SQLite with durable commits
// (WAL, synchronous=FULL), with many concurrent senders so that the store
// can group their commits.
func BenchmarkIntake(b *testing.B) {
	store := openStore(b)
	srv := NewServer(store, slog.New(slog.DiscardHandler))
	srv.Users = store.(*sqlite.Store).Users()
	token := mustToken(b, srv.Users, "bench")
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	tr := &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}

	// Bodies are made before timing; each has a unique id.
	bodies := make([][]byte, b.N)
	for i := range bodies {
		bodies[i] = mustJSON(b, referral(fmt.Sprintf("REF-%09d", i)))
	}
	var next atomic.Int64
	b.SetParallelism(32) // 32 senders per CPU: enough queued Adds to share commits
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			req, err := http.NewRequest(http.MethodPost, ts.URL+"/api/v1/referrals", bytes.NewReader(bodies[i]))
			if err != nil {
				b.Error(err)
				return
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				b.Errorf("POST = %d, want 201", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "referrals/s")
}

// BenchmarkImportHTTP measures referrals stored per second through POST
// /api/v1/import: one JSON Lines body of 5,000 referrals per iteration,
// parsed, validated and stored in one durable transaction.
func BenchmarkImportHTTP(b *testing.B) {
	store := openStore(b)
	srv := NewServer(store, slog.New(slog.DiscardHandler))
	srv.Users = store.(*sqlite.Store).Users()
	token := mustToken(b, srv.Users, "bench")
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	const perBody = 5000
	var total int
	var elapsed time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		var body bytes.Buffer
		for j := range perBody {
			body.Write(mustJSON(b, referral(fmt.Sprintf("REF-%d-%d", i, j))))
			body.WriteByte('\n')
		}
		b.StartTimer()
		start := time.Now()
		req, err := http.NewRequest(http.MethodPost, ts.URL+"/api/v1/import", &body)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-ndjson")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := ts.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("POST import = %d, want 200", resp.StatusCode)
		}
		elapsed += time.Since(start)
		total += perBody
	}
	b.ReportMetric(float64(total)/elapsed.Seconds(), "referrals/s")
}
