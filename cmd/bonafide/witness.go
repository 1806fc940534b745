package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"bonafide"
	"bonafide/auditlog"
	"bonafide/postgres"
	"bonafide/sqlite"
)

// witnessConfig configures `bonafide audit witness`, which runs apart from
// the server (another machine, the information governance team's).
type witnessConfig struct {
	logConfig
	URL          string // the server's base URL
	User         string // an auditor's user name
	PasswordFile string
	State        string // the file holding the last accepted checkpoint
	KeyFile      string // the witness's own key
	LogKey       string // the log's verifier key
	Origin       string
	Every        time.Duration
}

// runAuditWitness is one witness round (or one every --every): log in as
// an auditor, fetch the latest checkpoint with a consistency proof from the
// one in --state, check it (auditlog.Witness.Add), write the cosigned
// checkpoint to --state (durably, before anything else), and return the
// cosignature to the server. A checkpoint that does not extend the accepted
// one is refused: exit 1 naming both sizes, state untouched.
func runAuditWitness(ctx context.Context, args []string, std stdio) error {
	cfg := witnessConfig{logConfig: defaultLogConfig(), Origin: auditlog.DefaultOrigin}
	sc := newSubcommand(std, "audit witness", "", "Fetches the log's latest checkpoint with a consistency proof from the last one accepted, refuses one that does not extend it, cosigns it and returns the cosignature (C2SP tlog-witness).")
	e, f := sc.env, sc.fs
	e.string(f, &cfg.URL, "url", "BONAFIDE_WITNESS_URL", "the server's base URL, e.g. https://bonafide.example-council.gov.uk")
	e.string(f, &cfg.User, "user", "BONAFIDE_WITNESS_USER", "an auditor's user name on the server")
	e.string(f, &cfg.PasswordFile, "password-file", "BONAFIDE_WITNESS_PASSWORD_FILE", "file holding that auditor's password")
	e.string(f, &cfg.State, "state", "BONAFIDE_WITNESS_STATE", "file keeping the last accepted checkpoint (created on the first run)")
	e.string(f, &cfg.KeyFile, "key-file", "BONAFIDE_WITNESS_KEY_FILE", "the witness's key file (mode 0600; 'bonafide audit witness-key' makes one)")
	e.string(f, &cfg.LogKey, "log-key", "BONAFIDE_AUDIT_VERIFIER_KEY", "the log's audit verifier key, from its operator")
	e.string(f, &cfg.Origin, "origin", "BONAFIDE_AUDIT_ORIGIN", "the log's checkpoint origin")
	e.duration(f, &cfg.Every, "every", "BONAFIDE_WITNESS_EVERY", "run a round this often until stopped; once when 0")
	sc.logging(&cfg.logConfig)
	sc.check(func() error {
		for name, v := range map[string]string{"--url": cfg.URL, "--user": cfg.User, "--password-file": cfg.PasswordFile, "--state": cfg.State, "--key-file": cfg.KeyFile, "--log-key": cfg.LogKey} {
			if v == "" {
				return usagef("%s is required", name)
			}
		}
		return nil
	})
	if _, err := sc.parse(args, noArgs); err != nil {
		return err
	}
	key, err := auditlog.ReadWitnessKeyFile(cfg.KeyFile)
	if err != nil {
		return err
	}
	pw, err := os.ReadFile(cfg.PasswordFile)
	if err != nil {
		return fmt.Errorf("password file: %w", err)
	}
	w := &auditlog.Witness{Key: key, LogKey: cfg.LogKey, Origin: cfg.Origin}
	logger := sc.logger()
	round := func() error {
		msg, err := witnessRound(ctx, cfg, w, strings.TrimSpace(string(pw)))
		if err != nil {
			return err
		}
		fmt.Fprintln(std.out, msg)
		return nil
	}
	if cfg.Every <= 0 {
		return round()
	}
	tick := time.NewTicker(cfg.Every)
	defer tick.Stop()
	for {
		if err := round(); err != nil {
			var werr *auditlog.WitnessError
			if errors.As(err, &werr) {
				return err // a rewritten log: stop and say so
			}
			logger.Warn("witness round failed; trying again", slog.Any("error", err))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// maxWitnessBody bounds what the witness reads from the server.
const maxWitnessBody = auditlog.MaxWitnessRequestBytes

// witnessRound runs one round and says what it did.
func witnessRound(ctx context.Context, cfg witnessConfig, w *auditlog.Witness, password string) (string, error) {
	accepted, err := os.ReadFile(cfg.State)
	if errors.Is(err, fs.ErrNotExist) {
		accepted = nil
	} else if err != nil {
		return "", fmt.Errorf("witness state: %w", err)
	}
	old := int64(0)
	if accepted != nil {
		c, err := auditlog.ParseCheckpoint(accepted, cfg.LogKey, cfg.Origin)
		if err != nil {
			return "", fmt.Errorf("witness state %s: %w", cfg.State, err)
		}
		old = c.Size
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	base := strings.TrimSuffix(cfg.URL, "/")
	login, _ := json.Marshal(map[string]string{"username": cfg.User, "password": password})
	if _, err := witnessDo(ctx, client, http.MethodPost, base+"/api/v1/login", base, "application/json", login, http.StatusOK); err != nil {
		return "", fmt.Errorf("log in as %s: %w", cfg.User, err)
	}
	body, err := witnessDo(ctx, client, http.MethodGet, base+"/api/v1/audit/witness?old="+strconv.FormatInt(old, 10), "", "", nil, http.StatusOK)
	if err != nil {
		return "", fmt.Errorf("fetch checkpoint: %w", err)
	}
	var req auditlog.WitnessRequest
	if err := req.UnmarshalText(body); err != nil {
		return "", err
	}
	cosigned, err := w.Add(accepted, req)
	if err != nil {
		return "", err
	}
	if err := writeFileDurably(cfg.State, cosigned); err != nil {
		return "", fmt.Errorf("witness state: %w", err)
	}
	if _, err := witnessDo(ctx, client, http.MethodPost, base+"/api/v1/audit/cosignatures", "", "text/plain", cosigned, http.StatusNoContent); err != nil {
		return "", fmt.Errorf("return cosignature: %w", err)
	}
	c, err := auditlog.ParseCheckpoint(cosigned, cfg.LogKey, cfg.Origin)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("cosigned checkpoint at size %d (accepted before: %d)", c.Size, old), nil
}

// witnessDo sends one request and returns the body if the status is want.
func witnessDo(ctx context.Context, c *http.Client, method, u, origin, ctype string, body []byte, want int) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxWitnessBody+1))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return nil, fmt.Errorf("%s %s: %s: %s", method, u, resp.Status, strings.TrimSpace(string(b)))
	}
	return b, nil
}

// writeFileDurably replaces name with data: a temporary file beside it,
// synced, renamed over it, and the directory synced, so that a crash
// leaves the old state or the new, never half of one.
func writeFileDurably(name string, data []byte) error {
	dir := filepath.Dir(name)
	f, err := os.CreateTemp(dir, ".witness-state-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// runAuditWitnessKey writes a new witness key file (mode 0600) and prints
// its verifier key, which the server's operator gives serve --witness-key.
func runAuditWitnessKey(_ context.Context, args []string, std stdio) error {
	var name, out string
	sc := newSubcommand(std, "audit witness-key", "", "Writes a new witness cosigning key (mode 0600) and prints its verifier key for serve --witness-key.")
	sc.fs.StringVar(&name, "name", "", "the witness's key name, e.g. witness.example-council.gov.uk/ig")
	sc.fs.StringVar(&out, "out", "bonafide-witness.key", "the key file to create")
	sc.check(func() error {
		if name == "" {
			return usagef("--name is required")
		}
		return nil
	})
	if _, err := sc.parse(args, noArgs); err != nil {
		return err
	}
	k, text, err := auditlog.GenerateWitnessKey(name)
	if err != nil {
		return err
	}
	defer clear(text)
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write witness key file: %w", err)
	}
	_, err = f.Write(append(text, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out)
		return fmt.Errorf("write witness key file: %w", err)
	}
	fmt.Fprintf(std.out, "witness verifier key: %s\n", k.VerifierKey())
	return nil
}

// witnessVerifiers parses witness verifier keys.
func witnessVerifiers(keys []string) ([]note.Verifier, error) {
	var out []note.Verifier
	for _, k := range keys {
		for part := range strings.SplitSeq(k, ",") {
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			v, err := auditlog.NewWitnessVerifier(part)
			if err != nil {
				return nil, usagef("%v", err)
			}
			out = append(out, v)
		}
	}
	return out, nil
}

// openAuditReader opens the audit log of the store db names with the
// public verifier key alone: no master key, no signing key, nothing
// written. An auditor verifies with it.
func openAuditReader(ctx context.Context, db dbConfig, vkey string) (*auditlog.Log, func() error, error) {
	if err := db.existing(); err != nil {
		return nil, nil, err
	}
	key, err := auditlog.NewVerifierKey(vkey)
	if err != nil {
		return nil, nil, usagef("--verifier-key: %v", err)
	}
	var (
		st     bonafide.Store
		audits auditlog.Storage
	)
	if db.isPostgres() {
		p, err := postgres.Open(ctx, db.DB, postgres.Options{})
		if err != nil {
			return nil, nil, err
		}
		st, audits = p, p.AuditStorage()
	} else {
		s, err := sqlite.Open(ctx, db.DB, sqlite.Options{})
		if err != nil {
			return nil, nil, err
		}
		st, audits = s, s.AuditStorage()
	}
	l, err := auditlog.New(audits, key, auditlog.Config{})
	if err != nil {
		return nil, nil, errors.Join(err, st.Close())
	}
	return l, st.Close, nil
}
