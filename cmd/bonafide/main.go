// Command bonafide is referral intake and triage for children's services:
// one binary whose subcommands serve the intake API, import and export
// interchange files, generate synthetic data, migrate the database and run
// a demonstration.
//
//	bonafide serve     serve the intake API
//	bonafide demo      generate data, import it and serve it, for trying out
//	bonafide import    import interchange JSON Lines files
//	bonafide export    export the store as interchange JSON Lines
//	bonafide synth     generate a synthetic data set with its truth
//	bonafide migrate   apply database migrations
//	bonafide bench     measure intake throughput and latency
//	bonafide keys      generate the master and audit keys; rotate the master key
//	bonafide audit     verify the audit log; prove and check entries; print checkpoints
//	bonafide user      bootstrap the first administrator; add, list, disable users; API tokens
//	bonafide locker    the family's evidence locker; verify a family's bundle
//
// Every subcommand takes --help, and its flags before or after its
// arguments ("--" ends them). Configuration is by flags, each with a
// BONAFIDE_* environment variable equivalent (the flag wins). BONAFIDE_DB
// selects the store: a postgres:// or postgresql:// URL means PostgreSQL,
// anything else is a SQLite file path (default bonafide.db).
//
// Exit status is 0 on success, 1 on failure and 2 on a usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// stdio is what a subcommand may touch of the process, passed in so that
// tests run subcommands in-process.
type stdio struct {
	in     io.Reader
	out    io.Writer
	err    io.Writer
	getenv func(string) string
}

// command is one subcommand. The linkage and triage engineers add theirs
// to commands() with one line each.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, std stdio) error
}

func commands() []command {
	return []command{
		{"serve", "serve the intake API", runServe},
		{"demo", "generate data, import it and serve it, for trying out", runDemo},
		{"import", "import interchange JSON Lines files", runImport},
		{"export", "export the store as interchange JSON Lines", runExport},
		{"census", "the Children in Need census return's referral fields, as CSV", runCensus},
		{"synth", "generate a synthetic data set with its truth", runSynth},
		{"migrate", "apply database migrations", runMigrate},
		{"backup", "copy the store to a new file while it stays in use", runBackup},
		{"restore", "restore a backup into a new store and verify its audit log", runRestore},
		{"bench", "measure intake throughput and latency", runBench},
		{"triage", "triage an interchange stream; eval and fit the campaign model", runTriage},
		{"link", "link person records in CSV files into clusters; eval scores them", runLink},
		{"keys", "generate the master and audit keys; rotate the master key", runKeys},
		{"audit", "verify the audit log; prove and check entries; print checkpoints", runAudit},
		{"user", "create the first administrator; add, list and disable users; make API tokens", runUser},
		{"locker", "the family's evidence locker: capture, diary, timeline, dossier, verifiable bundle", runLocker},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal starts a graceful stop, a second one
		// kills at once, as the default handling does.
		<-ctx.Done()
		stop()
	}()
	code := runMain(ctx, os.Args[1:], stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr, getenv: os.Getenv})
	stop()
	os.Exit(code)
}

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// usageError is a mistake in the command line or configuration. It exits
// with status 2 and a pointer to --help.
type usageError struct {
	msg     string
	printed bool // the flag package has printed it already
}

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// runMain runs the subcommand named by args[0] and returns the exit status.
// It prints a failure once, here, prefixed with the subcommand's name.
func runMain(ctx context.Context, args []string, std stdio) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(std.err)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], std)
		var ue *usageError
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			return exitOK
		case errors.As(err, &ue) && ue.printed:
			return exitUsage
		case errors.As(err, &ue):
			fmt.Fprintf(std.err, "bonafide %s: %v\nRun 'bonafide %s --help' for usage.\n", c.name, err, c.name)
			return exitUsage
		default:
			fmt.Fprintf(std.err, "bonafide %s: %v\n", c.name, err)
			return exitFailure
		}
	}
	fmt.Fprintf(std.err, "bonafide: unknown command %q\n", args[0])
	printUsage(std.err)
	return exitUsage
}

func printUsage(w io.Writer) {
	var b strings.Builder
	b.WriteString("Usage: bonafide <command> [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-8s  %s\n", c.name, c.summary)
	}
	b.WriteString("\nRun 'bonafide <command> --help' for a command's flags; flags may come before or after its arguments.\n")
	io.WriteString(w, b.String())
}
