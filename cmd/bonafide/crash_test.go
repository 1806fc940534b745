package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"

	"bonafide"
	"bonafide/interchange"
)

// server is a `bonafide serve` child process.
type server struct {
	cmd  *exec.Cmd
	addr string
	logs *bytes.Buffer // stderr, once the process has exited
	done chan struct{} // closed when stderr is drained
}

var listeningRE = regexp.MustCompile(`msg=listening addr=(\S+)`)

// startServer starts bin serve on db on a free loopback port and returns
// once it accepts connections.
func startServer(t *testing.T, bin, db string) *server {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--db", db, "--addr", "127.0.0.1:0", "--log-format", "text")
	cmd.Env = append(os.Environ(), "BONAFIDE_LOG_LEVEL=info")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, logs: new(bytes.Buffer), done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(stderr)
		found := false
		for sc.Scan() {
			s.logs.Write(sc.Bytes())
			s.logs.WriteByte('\n')
			if m := listeningRE.FindSubmatch(sc.Bytes()); m != nil && !found {
				found = true
				addr <- string(m[1])
			}
		}
		if !found {
			close(addr)
		}
	}()
	a, ok := <-addr
	if !ok {
		<-s.done
		cmd.Wait()
		t.Fatalf("bonafide serve exited before listening:\n%s", s.logs)
	}
	s.addr = a
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return s
}

// stop sends sig and waits for the process to exit.
func (s *server) stop(t *testing.T, sig os.Signal) *os.ProcessState {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	<-s.done
	s.cmd.Wait()
	return s.cmd.ProcessState
}

// TestCrashSafety kills the server with SIGKILL while referrals are being
// posted, restarts it on the same file, and checks that every referral
// that was answered 201 is stored intact.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it: not in -short")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "bonafide")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	db := filepath.Join(dir, "crash.db")
	if out, err := exec.Command(bin, "migrate", "--db", db).CombinedOutput(); err != nil {
		t.Fatalf("bonafide migrate: %v\n%s", err, out)
	}

	tok := mustToken(t, db, "crash-sender")
	// A team manager reads every referral back in full: triage restricts
	// the families it finds targeted, whose names a social worker not
	// working the case does not see.
	readerPW := mustAddUser(t, db, "crash-reader", "team_manager")
	srv := startServer(t, bin, db)
	const (
		senders = 8
		killAt  = 400 // acknowledged referrals before the kill
	)
	var (
		mu       sync.Mutex
		acked    = map[string][]byte{} // id -> body that got a 201
		attempts int
		killOnce sync.Once
		wg       sync.WaitGroup
	)
	gen := newReferralGen(42)
	var gmu sync.Mutex
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
	for range senders {
		wg.Go(func() {
			for {
				gmu.Lock()
				body := gen.next()
				gmu.Unlock()
				status, err := postReferral(t, client, "http://"+srv.addr, tok, body)
				if err != nil {
					return // the server is gone
				}
				mu.Lock()
				attempts++
				if status != http.StatusCreated {
					mu.Unlock()
					t.Errorf("POST = %d, want 201", status)
					return
				}
				var ref struct{ ID string }
				json.Unmarshal(body, &ref)
				acked[ref.ID] = body
				n := len(acked)
				mu.Unlock()
				if n >= killAt {
					killOnce.Do(func() { srv.cmd.Process.Signal(syscall.SIGKILL) })
				}
			}
		})
	}
	wg.Wait()
	<-srv.done
	srv.cmd.Wait()
	if ws, ok := srv.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("server ended with %v, want killed by SIGKILL", srv.cmd.ProcessState)
	}
	nAcked := len(acked)
	t.Logf("%d of %d referrals acknowledged before SIGKILL", nAcked, attempts)

	// Restart on the same file: every acknowledged referral is served.
	srv = startServer(t, bin, db)
	reader := mustLogin(t, "http://"+srv.addr, "crash-reader", readerPW)
	for id, body := range acked {
		resp, err := reader.Get("http://" + srv.addr + referralPath(id))
		if err != nil {
			t.Fatal(err)
		}
		var view struct{ Referral json.RawMessage }
		err = json.NewDecoder(resp.Body).Decode(&view)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil {
			t.Fatalf("after restart GET %s = %d (%v), want 200", id, resp.StatusCode, err)
		}
		// Compared as the store encodes them: the API's JSON escapes "&"
		// and "<", the store's does not.
		want := withoutReporter(t, body)
		if !bytes.Equal(canonicalEncode(t, view.Referral), want) {
			t.Fatalf("after restart GET %s = %s,\nwant %s", id, view.Referral, want)
		}
	}
	if st := srv.stop(t, syscall.SIGTERM); !st.Success() {
		t.Fatalf("serve after SIGTERM: %v, want exit 0; log:\n%s", st, srv.logs)
	}

	// And, read directly, each is stored intact with its reporter.
	a, err := openApp(context.Background(), appConfig{dbConfig: dbConfig{DB: db}, keyConfig: testKeyConfig(), NoCheckpoints: true}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	store := a.Store
	stored := 0
	for st, err := range store.Records(context.Background(), 0, 0) {
		if err != nil {
			t.Fatal(err)
		}
		stored++
		ref := st.Record.(*bonafide.Referral)
		body, ok := acked[ref.ID]
		if !ok {
			continue // in flight at the kill: stored, but never acknowledged
		}
		got, err := interchange.Encode(ref)
		if err != nil {
			t.Fatal(err)
		}
		if want := canonicalEncode(t, body); !bytes.Equal(got, want) {
			t.Errorf("stored %s = %s,\nwant %s", ref.ID, got, want)
		}
		delete(acked, ref.ID)
	}
	if len(acked) > 0 {
		t.Errorf("%d acknowledged referrals missing after the crash", len(acked))
	}
	if extra := stored - nAcked; extra > senders {
		t.Errorf("%d records stored beyond the %d acknowledged, want at most %d (one in flight per sender)", extra, nAcked, senders)
	}
}

func referralPath(id string) string { return "/api/v1/referrals/" + id }

// canonicalEncode decodes a referral body and encodes it as the store would.
func canonicalEncode(t *testing.T, body []byte) []byte {
	t.Helper()
	ref, err := interchange.DecodeReferral(body)
	if err != nil {
		t.Fatal(err)
	}
	b, err := interchange.Encode(ref)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withoutReporter is canonicalEncode with the reporter removed, as GET
// returns it.
func withoutReporter(t *testing.T, body []byte) []byte {
	t.Helper()
	ref, err := interchange.DecodeReferral(body)
	if err != nil {
		t.Fatal(err)
	}
	ref.Reporter = nil
	b, err := interchange.Encode(ref)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
