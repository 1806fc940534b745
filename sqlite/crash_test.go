package sqlite

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"bonafide"
	"bonafide/storetest"
)

const crashEnv = "BONAFIDE_SQLITE_CRASH_CHILD"

// TestCrashDurability kills a process that is adding referrals from several
// goroutines with SIGKILL, part-way, and checks that every Add it had
// acknowledged is in the database afterwards and the database is intact.
func TestCrashDurability(t *testing.T) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(path)
		return
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashDurability$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	t.Cleanup(func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	acked := map[string]int64{}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 || f[0] != "ack" {
			continue
		}
		seq, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			t.Fatalf("child wrote %q", sc.Text())
		}
		acked[f[1]] = seq
		if len(acked) == 500 && !killed {
			if err := cmd.Process.Kill(); err != nil { // SIGKILL
				t.Fatal(err)
			}
			killed = true
		}
	}
	cmd.Wait()
	if !killed {
		t.Fatalf("child ended after %d acknowledgements without being killed", len(acked))
	}
	ctx := context.Background()
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("Open after crash = %v", err)
	}
	defer s.Close()
	for id, seq := range acked {
		got, err := s.ReferralByID(ctx, id)
		if err != nil || got.Seq != seq {
			t.Errorf("ReferralByID(%s) after crash = %d, %v, want %d", id, got.Seq, err, seq)
		}
	}
	counts, err := s.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := counts[bonafide.TypeReferral]; n < int64(len(acked)) {
		t.Errorf("Count after crash = %d referrals, want at least the %d acknowledged", n, len(acked))
	}
	var check string
	if err := rawDB(t, path).QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check after crash = %q, %v, want ok", check, err)
	}
}

// crashChild adds referrals until killed, writing "ack ID SEQ" for each
// acknowledged Add.
func crashChild(path string) {
	s, err := Open(context.Background(), path, Options{Migrate: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	w := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				id := fmt.Sprintf("K-%d-%d", g, i)
				seq, err := s.Add(context.Background(), storetest.Referral(id))
				if err != nil {
					fmt.Fprintln(os.Stderr, "crash child: add:", err)
					os.Exit(2)
				}
				mu.Lock()
				fmt.Fprintf(w, "ack %s %d\n", id, seq)
				w.Flush()
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}
