package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
)

// A subcommand is one subcommand's command line: its flags (each with its
// BONAFIDE_* variable, read through env), how many positional arguments it
// takes, and the configurations to validate once it is parsed. Every
// subcommand is parsed by [subcommand.parse], so that each one takes flags
// before or after its arguments and prints the same --help.
//
//	sc := newSubcommand(std, "audit prove", "N", "prints a proof that entry N is in the log")
//	sc.store(&cfg) // --db, the key files and logging, validated by parse
//	sc.fs.BoolVar(&x, "x", false, "…")
//	pos, err := sc.parse(args, exactly(1, "one entry number"))
type subcommand struct {
	fs  *flag.FlagSet
	env *envDefaults
	std stdio

	checks []func() error // run by parse, in order
	log    *logConfig     // registered by logging or store, for logger
}

// newSubcommand returns the parser of `bonafide NAME`. args is the
// synopsis of its positional arguments ("" for none) and about says, in a
// sentence, what it does; both are printed by --help.
func newSubcommand(std stdio, name, args, about string) *subcommand {
	sc := &subcommand{
		fs:  flag.NewFlagSet(name, flag.ContinueOnError),
		env: &envDefaults{std: std},
		std: std,
	}
	sc.fs.SetOutput(std.err)
	sc.fs.Usage = func() { printSubcommandUsage(std.err, sc.fs, name, args, about) }
	return sc
}

// printSubcommandUsage prints the --help of every subcommand: synopsis,
// what it does, and its flags.
func printSubcommandUsage(w io.Writer, fs *flag.FlagSet, name, args, about string) {
	synopsis := "bonafide " + name + " [flags]"
	if args != "" {
		synopsis += " " + args
	}
	fmt.Fprintf(w, "Usage: %s\n\n", synopsis)
	if about != "" {
		fmt.Fprintf(w, "%s\n\n", about)
	}
	fmt.Fprint(w, "Flags may come before or after the arguments; -- ends the flags.\n"+
		"Flags (a variable in brackets, when set, gives the default):\n")
	fs.PrintDefaults()
}

// check adds a validation that parse runs once the command line is read.
// f must read the configuration through a pointer or closure: a method
// value of a value receiver would copy it before it is parsed.
func (sc *subcommand) check(f func() error) { sc.checks = append(sc.checks, f) }

// logging registers --log-level and --log-format into c, validated by parse.
func (sc *subcommand) logging(c *logConfig) {
	c.flags(sc.fs, sc.env)
	sc.log = c
	sc.check(func() error { return c.validate() })
}

// store registers what a subcommand that opens the store needs (--db, the
// key files, logging) into c, validated by parse.
func (sc *subcommand) store(c *storeConfig) {
	c.dbConfig.flags(sc.fs, sc.env)
	c.keyConfig.flags(sc.fs, sc.env)
	sc.check(func() error { return c.dbConfig.validate() })
	sc.logging(&c.logConfig)
}

// logger returns the logger the registered logging configuration
// describes, writing to standard error. Call it after parse.
func (sc *subcommand) logger() *slog.Logger {
	if sc.log == nil {
		return defaultLogConfig().logger(sc.std.err)
	}
	return sc.log.logger(sc.std.err)
}

// positional says how many positional arguments a subcommand takes.
type positional struct {
	min, max int    // max < 0: no limit
	what     string // e.g. "one entry number", for the error
}

// noArgs is for subcommands that take no positional argument.
var noArgs = positional{}

// exactly is n arguments, described by what.
func exactly(n int, what string) positional { return positional{n, n, what} }

// atLeast is n arguments or more, described by what.
func atLeast(n int, what string) positional { return positional{n, -1, what} }

// parse parses args: flags wherever they stand among the positional
// arguments (everything after "--" is positional; "-" is an argument, the
// usual name of standard input), then the environment variables' errors,
// then the registered checks. It returns the positional arguments.
func (sc *subcommand) parse(args []string, want positional) ([]string, error) {
	flags, pos := sc.split(args)
	if err := sc.fs.Parse(flags); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, &usageError{msg: err.Error(), printed: true}
	}
	switch n := len(pos); {
	case want.max == 0 && n > 0:
		return nil, usagef("unexpected arguments %q", pos)
	case n < want.min || (want.max >= 0 && n > want.max):
		return nil, usagef("want %s, got %d arguments %q", want.what, n, pos)
	}
	if err := sc.env.err(); err != nil {
		return nil, err
	}
	for _, c := range sc.checks {
		if err := c(); err != nil {
			return nil, err
		}
	}
	return pos, nil
}

// split separates the flags of args, each with its value when it takes one,
// from the positional arguments, keeping each group in order. An unknown
// flag is kept among the flags, for Parse to report.
func (sc *subcommand) split(args []string) (flags, pos []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return flags, append(pos, args[i+1:]...)
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if f := sc.fs.Lookup(name); f != nil && !isBoolFlag(f) && i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	return flags, pos
}

// isBoolFlag reports whether f takes no value, as the flag package decides.
func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// runGroup runs the subcommand of `bonafide NAME` that args[0] names (or,
// when args start with a flag, the first word naming one), for commands
// made of subcommands (audit, keys, user). NAME --help lists them.
func runGroup(ctx context.Context, name string, subs []command, args []string, std stdio) error {
	names := make([]string, len(subs))
	for i, s := range subs {
		names[i] = s.name
	}
	want := orList(names)
	if len(args) == 0 {
		return usagef("want a subcommand: %s", want)
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		printGroupUsage(std.err, name, subs)
		return nil
	}
	// Flags may come before the subcommand too (audit --db X prove 24):
	// then the first word naming a subcommand is it.
	at := 0
	if strings.HasPrefix(args[0], "-") {
		for i, a := range args {
			if a == "--" {
				break
			}
			if slices.Contains(names, a) {
				at = i
				break
			}
		}
	}
	for _, s := range subs {
		if s.name == args[at] {
			rest := append(slices.Clone(args[:at]), args[at+1:]...)
			return s.run(ctx, rest, std)
		}
	}
	if strings.HasPrefix(args[0], "-") {
		return usagef("want a subcommand: %s", want)
	}
	return usagef("unknown subcommand %q: want %s", args[0], want)
}

// printGroupUsage lists a command's subcommands.
func printGroupUsage(w io.Writer, name string, subs []command) {
	names := make([]string, len(subs))
	width := 0
	for i, s := range subs {
		names[i] = s.name
		width = max(width, len(s.name))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: bonafide %s %s [flags]\n\n", name, strings.Join(names, "|"))
	for _, s := range subs {
		fmt.Fprintf(&b, "  %-*s  %s\n", width, s.name, s.summary)
	}
	fmt.Fprintf(&b, "\nRun 'bonafide %s <subcommand> --help' for its flags.\n", name)
	io.WriteString(w, b.String())
}

// orList joins names as "a, b or c", for errors that list the valid values.
func orList(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// storeConfig is the configuration every subcommand that opens the store
// shares: where it is, its keys and logging.
type storeConfig struct {
	dbConfig
	keyConfig
	logConfig
}

func defaultStoreConfig() storeConfig {
	return storeConfig{dbConfig: defaultDBConfig(), logConfig: defaultLogConfig()}
}

// app returns what openApp needs to open the store c names.
func (c storeConfig) app() appConfig {
	return appConfig{dbConfig: c.dbConfig, keyConfig: c.keyConfig}
}
