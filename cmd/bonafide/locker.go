package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"bonafide/casework"
	"bonafide/locker"
	"bonafide/locker/lockerweb"
)

// runLocker dispatches `bonafide locker …`, the family's evidence locker.
func runLocker(ctx context.Context, args []string, std stdio) error {
	return runGroup(ctx, "locker", []command{
		{"init", "create a new locker file, encrypted under a passphrase", runLockerInit},
		{"add-file", "add files you already have (screenshots, letters, .eml e-mails), with their metadata", runLockerAddFile},
		{"add-page", "capture a web page (screenshot, MHTML, response headers, final URL, time) with headless Chromium", runLockerAddPage},
		{"import-posts", "add your own posts from an X tweets.js or Instagram posts JSON export", runLockerImportPosts},
		{"diary", "write a diary entry (what happened, when, who); --edit ID keeps the old version", runLockerDiary},
		{"list", "list the items in the locker", runLockerList},
		{"delete", "remove an item's contents (the deletion is recorded in the custody log)", runLockerDelete},
		{"timeline", "print the chronology with its links", runLockerTimeline},
		{"export", "write a verifiable bundle (zip) with the dossier PDF", runLockerExport},
		{"verify", "check a bundle without the passphrase, naming every exhibit changed, added or removed", runLockerVerify},
		{"timestamp", "obtain the time-stamps of items recorded while the time-stamping authority was out of reach", runLockerTimestamp},
		{"serve", "open the locker in your browser (on this computer only)", runLockerServe},
	}, args, std)
}

// lockerConfig is what every locker subcommand that opens the locker takes.
type lockerConfig struct {
	Path string
	TSA  string
}

func (c *lockerConfig) flags(sc *subcommand) {
	c.Path = "family.locker"
	sc.env.string(sc.fs, &c.Path, "locker", "BONAFIDE_LOCKER", "the locker file")
	sc.env.string(sc.fs, &c.TSA, "tsa", "BONAFIDE_LOCKER_TSA", "RFC 3161 time-stamping authority URL (empty: no time-stamps)")
}

// passphrase reads the locker's passphrase from BONAFIDE_LOCKER_PASSPHRASE,
// the file BONAFIDE_LOCKER_PASSPHRASE_FILE names, or a prompt (without
// echo on a terminal). It is never a flag, so that it is not in the
// shell's history or the process list.
func passphrase(std stdio, confirm bool) ([]byte, error) {
	if v := std.env("BONAFIDE_LOCKER_PASSPHRASE", ""); v != "" {
		return []byte(v), nil
	}
	if f := std.env("BONAFIDE_LOCKER_PASSPHRASE_FILE", ""); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("BONAFIDE_LOCKER_PASSPHRASE_FILE: %w", err)
		}
		return bytes.TrimRight(b, "\r\n"), nil
	}
	read := func(prompt string) ([]byte, error) {
		fmt.Fprint(std.err, prompt)
		if f, ok := std.in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(std.err)
			return b, err
		}
		line, err := bufio.NewReader(std.in).ReadBytes('\n')
		if err != nil && len(line) == 0 {
			return nil, errors.New("no passphrase given (set BONAFIDE_LOCKER_PASSPHRASE_FILE or type it)")
		}
		return bytes.TrimRight(line, "\r\n"), nil
	}
	p, err := read("Locker passphrase: ")
	if err != nil || !confirm {
		return p, err
	}
	q, err := read("Again, to be sure: ")
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(p, q) {
		return nil, errors.New("the two passphrases differ")
	}
	return p, nil
}

// subcommand is newSubcommand with the locker's flags.
func (c *lockerConfig) subcommand(std stdio, name, usage, help string) *subcommand {
	sc := newSubcommand(std, name, usage, help)
	c.flags(sc)
	return sc
}

// withLocker opens the locker c names, with the passphrase (see
// passphrase), runs f on it and closes it.
func withLocker(ctx context.Context, c lockerConfig, std stdio, f func(*locker.Locker) error) error {
	return unlock(ctx, c, std, false, f)
}

// unlock is withLocker, or with create the same for a new locker, its
// passphrase asked for twice.
func unlock(ctx context.Context, c lockerConfig, std stdio, create bool, f func(*locker.Locker) error) error {
	p, err := passphrase(std, create)
	if err != nil {
		return err
	}
	defer clear(p)
	open := locker.Open
	if create {
		open = locker.Create
	}
	l, err := open(ctx, c.Path, p, c.lockerCfg())
	if err != nil {
		return err
	}
	defer l.Close()
	return f(l)
}

// lockerCfg is the locker's configuration: the TSA, and the dossier's
// embedded font (DejaVu Sans, as the agency's letters use) when it is
// installed; without it, characters outside Windows-1252 print as "?".
func (c lockerConfig) lockerCfg() locker.Config {
	cfg := locker.Config{TSA: c.TSA}
	if lh, err := casework.NewLetterhead(casework.DejaVu[0], casework.DejaVu[1]); err == nil {
		cfg.PDF = lh.PDF
	}
	return cfg
}

// tsaRoots reads the PEM certificates of the time-stamping authorities a
// verifier trusts; "" is none (authorities are named, not checked).
func tsaRoots(file string) (*x509.CertPool, error) {
	if file == "" {
		return nil, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--tsa-roots: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("--tsa-roots %s: no PEM certificate in it", file)
	}
	return pool, nil
}

func runLockerInit(ctx context.Context, args []string, std stdio) error {
	var c lockerConfig
	sc := c.subcommand(std, "locker init", "", "Creates a new locker file, encrypted under a passphrase you choose (at least 8 characters; it is never stored: keep it safe).")
	if _, err := sc.parse(args, noArgs); err != nil {
		return err
	}
	return unlock(ctx, c, std, true, func(l *locker.Locker) error {
		fmt.Fprintf(std.out, "locker %s created\nverifier key (give it to whoever checks your bundles): %s\n", c.Path, l.VerifierKey())
		return nil
	})
}

func parseWhen(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usagef("--when %q: want a date and time like 2026-03-02 14:30 or 2026-03-02", s)
}

func runLockerAddFile(ctx context.Context, args []string, std stdio) error {
	var c lockerConfig
	var category, title, when string
	sc := c.subcommand(std, "locker add-file", "FILE…", "Adds files, keeping their name, size, modification time and type (and an e-mail's headers).")
	sc.fs.StringVar(&category, "category", locker.CategoryOther, "post, forum, referral, sponsor, gp, school, police or other")
	sc.fs.StringVar(&title, "title", "", "what it is (default: the file name or e-mail subject)")
	sc.fs.StringVar(&when, "when", "", "when it happened (default: an e-mail's date, else unknown)")
	files, err := sc.parse(args, atLeast(1, "one or more files"))
	if err != nil {
		return err
	}
	var at time.Time
	if when != "" {
		if at, err = parseWhen(when); err != nil {
			return err
		}
	}
	return withLocker(ctx, c, std, func(l *locker.Locker) error {
		for _, f := range files {
			fi, err := os.Stat(f)
			if err != nil {
				return err
			}
			if fi.Size() > locker.MaxPartSize {
				return fmt.Errorf("%s: larger than %d bytes", f, locker.MaxPartSize)
			}
			data, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			it, err := l.AddFile(ctx, locker.FileInput{Name: f, Data: data, ModTime: fi.ModTime(), Category: category, Title: title, When: at})
			if err != nil {
				return err
			}
			fmt.Fprintf(std.out, "added %s %s sha256:%s\n", it.ID, it.Title, it.Parts[0].SHA256)
		}
		return nil
	})
}

func runLockerAddPage(ctx context.Context, args []string, std stdio) error {
	var c lockerConfig
	var in locker.PageInput
	var b locker.Browser
	var when string
	sc := c.subcommand(std, "locker add-page", "URL", "Captures a web page as a browser shows it: full-page screenshot, MHTML, the response's headers, the final URL and the time.")
	sc.fs.StringVar(&in.Category, "category", locker.CategoryForum, "post, forum, referral, sponsor, gp, school, police or other")
	sc.fs.StringVar(&in.Title, "title", "", "what it is (default: the page's title)")
	sc.fs.StringVar(&when, "when", "", "when it was posted (default: the time of capture)")
	sc.env.string(sc.fs, &b.ExecPath, "chromium", "BONAFIDE_CHROMIUM", "the Chromium binary (default /usr/bin/chromium)")
	urls, err := sc.parse(args, exactly(1, "one address"))
	if err != nil {
		return err
	}
	in.URL = urls[0]
	if when != "" {
		if in.When, err = parseWhen(when); err != nil {
			return err
		}
	}
	return withLocker(ctx, c, std, func(l *locker.Locker) error {
		it, err := l.AddPage(ctx, b, in)
		if err != nil {
			return err
		}
		fmt.Fprintf(std.out, "captured %s %s (%s, status %s) digest sha256:%s\n", it.ID, it.Title, it.Meta["page.final_url"], it.Meta["page.status"], it.Digest)
		return nil
	})
}

func runLockerImportPosts(ctx context.Context, args []string, std stdio) error {
	var c lockerConfig
	var handle string
	sc := c.subcommand(std, "locker import-posts", "FILE", "Adds your own posts from a platform export: X's data/tweets.js or Instagram's posts_1.json (docs/locker.md).")
	sc.fs.StringVar(&handle, "handle", "", "your account name on the platform (the export does not say)")
	files, err := sc.parse(args, exactly(1, "one export file"))
	if err != nil {
		return err
	}
	fi, err := os.Stat(files[0])
	if err != nil {
		return err
	}
	if fi.Size() > locker.MaxExportSize {
		return fmt.Errorf("%s: larger than %d bytes", files[0], locker.MaxExportSize)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		return err
	}
	return withLocker(ctx, c, std, func(l *locker.Locker) error {
		items, err := l.ImportPosts(ctx, data, handle)
		fmt.Fprintf(std.out, "%d posts added\n", len(items))
		return err
	})
}

func runLockerDiary(ctx context.Context, args []string, std stdio) error {
	var c lockerConfig
	var in locker.DiaryInput
	var when, edit string
	sc := c.subcommand(std, "locker diary", "", "Writes a diary entry; the locker records when you wrote it. --edit ID writes a new version and keeps the old.")
	sc.fs.StringVar(&when, "when", "", "when it happened (required)")
	sc.fs.StringVar(&in.Who, "who", "", "who was involved")
	sc.fs.StringVar(&in.What, "what", "", "what happened; '-' reads it from standard input (required)")
	sc.fs.StringVar(&in.Category, "category", locker.CategoryOther, "post, forum, referral, sponsor, gp, school, police or other")
	sc.fs.StringVar(&in.Title, "title", "", "a short heading (default: the first line)")
	sc.fs.StringVar(&edit, "edit", "", "the ID of an entry to write a new version of")
	if _, err := sc.parse(args, noArgs); err != nil {
		return err
	}
	if when == "" {
		return usagef("--when is required")
	}
	var err error
	if in.When, err = parseWhen(when); err != nil {
		return err
	}
	return withLocker(ctx, c, std, func(l *locker.Locker) error {
		var it *locker.Item
		if edit != "" {
			it, err = l.EditDiary(ctx, edit, in)
		} else {
			it, err = l.AddDiary(ctx, in)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(std.out, "diary entry %s version %d recorded %s\n", it.ID, len(it.Parts), it.Parts[len(it.Parts)-1].Recorded.Format(time.RFC3339))
		return nil
	})
}

func runLockerList(ctx context.Context, args []string, std stdio) error {
	var c lockerConfig
	sc := c.subcommand(std, "locker list", "", "Lists the items: ID, kind, category, when, title, whether time-stamped.")
	if _, err := sc.parse(args, noArgs); err != nil {
		return err
	}
	return withLocker(ctx, c, std, func(l *locker.Locker) error {
		items, err := l.Items(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(std.out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tKIND\tCATEGORY\tWHEN\tSTAMPED\tTITLE")
		for _, it := range items {
			when, stamped := "", "no"
			if !it.When.IsZero() {
				when = it.When.Format("2006-01-02 15:04")
			}
			if it.Stamp != nil {
				stamped = it.Stamp.Time.Format("2006-01-02 15:04")
			} else if !it.Deleted {
				stamped = "pending"
			}
			title := it.Title
			if it.Deleted {
				title = "(deleted) " + title
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", it.ID, it.Kind, it.Category, when, stamped, title)
		}
		return tw.Flush()
	})
}

func runLockerDelete(ctx context.Context, args []string, std stdio) error {
	var c lockerConfig
	var why string
	sc := c.subcommand(std, "locker delete", "ID", "Removes an item's contents; the custody log records the deletion and the item's hash.")
	sc.fs.StringVar(&why, "why", "", "why it is removed (recorded)")
	ids, err := sc.parse(args, exactly(1, "one item ID"))
	if err != nil {
		return err
	}
	return withLocker(ctx, c, std, func(l *locker.Locker) error {
		if err := l.Delete(ctx, ids[0], why); err != nil {
			return err
		}
		fmt.Fprintf(std.out, "deleted %s\n", ids[0])
		return nil
	})
}

func runLockerTimeline(ctx context.Context, args []string, std stdio) error {
	var c lockerConfig
	sc := c.subcommand(std, "locker timeline", "[ID…]", "Prints the chronology of the items (all, or those named), with the links marked.")
	ids, err := sc.parse(args, atLeast(0, "item IDs"))
	if err != nil {
		return err
	}
	return withLocker(ctx, c, std, func(l *locker.Locker) error {
		ev, err := l.Timeline(ctx, ids)
		if err != nil {
			return err
		}
		for _, e := range ev {
			fmt.Fprintf(std.out, "%s  %-4s %-9s %s\n", e.When.Format("2006-01-02 15:04"), e.Ref, e.Category, e.Title)
			for _, k := range e.Links {
				fmt.Fprintf(std.out, "%27s %s (%s): %s\n", "↳", k.Kind, k.Ref, k.Detail)
			}
		}
		return nil
	})
}

func runLockerExport(ctx context.Context, args []string, std stdio) error {
	var c lockerConfig
	var out string
	var opt locker.DossierOptions
	sc := c.subcommand(std, "locker export", "[ID…]", "Writes a verifiable bundle of the items (all, or those named) with the dossier PDF inside, and the PDF beside it.")
	sc.fs.StringVar(&out, "out", "bundle.zip", "the bundle file to write (the dossier is written beside it as .pdf)")
	sc.fs.StringVar(&opt.Family, "family", "", "the family's name as the dossier gives it, e.g. 'The Price family' (required)")
	sc.fs.StringVar(&opt.To, "to", "", "whom the dossier is for, e.g. 'Officer in the case, Northshire Police'")
	sc.fs.StringVar(&opt.Preparer, "preparer", "", "who prepared it")
	sc.fs.StringVar(&opt.Reference, "reference", "", "a police incident number or other reference")
	ids, err := sc.parse(args, atLeast(0, "item IDs"))
	if err != nil {
		return err
	}
	if strings.TrimSpace(opt.Family) == "" {
		return usagef("--family is required")
	}
	return withLocker(ctx, c, std, func(l *locker.Locker) error {
		var buf bytes.Buffer
		var pdf []byte
		dossier := l.DossierFunc(ctx, opt)
		m, err := l.Export(ctx, &buf, locker.ExportOptions{IDs: ids, Dossier: func(ex []locker.Exhibit) ([]byte, error) {
			pdf, err = dossier(ex)
			return pdf, err
		}})
		if err != nil {
			return err
		}
		if err := os.WriteFile(out, buf.Bytes(), 0o600); err != nil {
			return err
		}
		pdfName := strings.TrimSuffix(out, ".zip") + ".pdf"
		if err := os.WriteFile(pdfName, pdf, 0o600); err != nil {
			return err
		}
		fmt.Fprintf(std.out, "bundle %s: %d exhibits; dossier %s\nverifier key: %s\n", out, len(m.Exhibits), pdfName, m.VerifierKey)
		return nil
	})
}

func runLockerVerify(ctx context.Context, args []string, std stdio) error {
	var key, roots string
	sc := newSubcommand(std, "locker verify", "BUNDLE", "Checks a bundle without the family's passphrase: the manifest's signature, every file's hash, each exhibit's time-stamp and custody proof. Exit 1 naming every exhibit changed, added or removed.")
	sc.fs.StringVar(&key, "key", "", "the locker verifier key you were given separately (without it, the bundle is checked against the key it names)")
	sc.env.string(sc.fs, &roots, "tsa-roots", "BONAFIDE_LOCKER_TSA_ROOTS", "a PEM file of the time-stamping authorities' root certificates you trust (without it, each authority is named but not checked)")
	files, err := sc.parse(args, exactly(1, "one bundle file"))
	if err != nil {
		return err
	}
	pool, err := tsaRoots(roots)
	if err != nil {
		return err
	}
	f, err := os.Open(files[0])
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	rep, err := locker.VerifyWith(f, fi.Size(), locker.VerifyOptions{Key: key, TSARoots: pool})
	if err != nil {
		return err
	}
	for _, c := range rep.Exhibits {
		status := "OK"
		if !c.OK {
			status = "BROKEN"
		}
		stamp := "no time-stamp"
		if c.Stamped {
			stamp = "time-stamped " + c.StampTime.Format(time.RFC3339) + " by " + c.Authority
			if c.AuthorityTrusted {
				stamp += " (trusted)"
			}
		}
		fmt.Fprintf(std.out, "%-6s %-4s %s (%s; custody entry %d)\n", status, c.Number, c.Title, stamp, c.Custody)
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(std.out, "BROKEN: %s\n", p)
	}
	if !rep.OK() {
		return fmt.Errorf("bundle %s: %d problems", files[0], len(rep.Problems))
	}
	if key == "" {
		fmt.Fprintf(std.out, "bundle OK against the key it names, %s: check that key with the family\n", rep.Manifest.VerifierKey)
	} else {
		fmt.Fprintln(std.out, "bundle OK, signed by the key you trust")
	}
	return nil
}

func runLockerTimestamp(ctx context.Context, args []string, std stdio) error {
	var c lockerConfig
	sc := c.subcommand(std, "locker timestamp", "", "Asks the time-stamping authority (--tsa) for the tokens of the items kept without one, recorded while it was out of reach; each is entered in the custody log.")
	if _, err := sc.parse(args, noArgs); err != nil {
		return err
	}
	if c.TSA == "" {
		return usagef("--tsa (BONAFIDE_LOCKER_TSA) is required: the time-stamping authority to ask")
	}
	return withLocker(ctx, c, std, func(l *locker.Locker) error {
		got, err := l.Timestamp(ctx)
		if err != nil {
			return err
		}
		for _, it := range got.Stamped {
			fmt.Fprintf(std.out, "stamped %s %s at %s\n", it.ID, it.Title, it.Stamp.Time.Format(time.RFC3339))
		}
		for _, it := range got.Waiting {
			fmt.Fprintf(std.out, "pending %s %s: %s\n", it.ID, it.Title, it.StampPending)
		}
		if len(got.Waiting) > 0 {
			return fmt.Errorf("%d items still wait for a time-stamp", len(got.Waiting))
		}
		fmt.Fprintf(std.out, "%d items time-stamped\n", len(got.Stamped))
		return nil
	})
}

func runLockerServe(ctx context.Context, args []string, std stdio) error {
	var c lockerConfig
	var addr, roots string
	var b locker.Browser
	sc := c.subcommand(std, "locker serve", "", "Serves the locker to your browser on this computer only (127.0.0.1, a random port). Open the address it prints: it carries a one-time sign-in token. Stop it with Ctrl+C.")
	sc.fs.StringVar(&addr, "addr", "127.0.0.1:0", "the loopback address to listen on")
	sc.env.string(sc.fs, &b.ExecPath, "chromium", "BONAFIDE_CHROMIUM", "the Chromium binary that captures pages (default /usr/bin/chromium)")
	sc.env.string(sc.fs, &roots, "tsa-roots", "BONAFIDE_LOCKER_TSA_ROOTS", "a PEM file of the time-stamping authorities' roots the check-a-bundle screen trusts")
	if _, err := sc.parse(args, noArgs); err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return usagef("--addr %q: the locker listens on a loopback address only, such as 127.0.0.1:0", addr)
	}
	pool, err := tsaRoots(roots)
	if err != nil {
		return err
	}
	// Internal errors go to this terminal (the family's own computer);
	// the interface never logs form values or the locker's contents.
	logger := slog.New(slog.NewTextHandler(std.err, nil))
	ui, err := lockerweb.New(lockerweb.Config{Path: c.Path, Locker: c.lockerCfg(), Browser: b, TSARoots: pool, Logger: logger})
	if err != nil {
		return err
	}
	defer ui.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: ui.Handler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(std.out, "Your locker is open at this address (it works once, in one browser):\n\n  http://%s%s\n\nPress Ctrl+C to stop.\n", ln.Addr(), ui.StartPath())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	case err := <-done:
		return err
	}
}
