package main

import (
	"flag"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// env returns the value of the environment variable key, or def when it is
// unset or empty, so that a flag's default can come from the environment.
func (std stdio) env(key, def string) string {
	if std.getenv == nil {
		return def
	}
	if v := std.getenv(key); v != "" {
		return v
	}
	return def
}

// envFlag records a flag whose environment variable held a value the
// flag's type could not parse; validation reports it.
type envFlag struct {
	name, key, value string
	want             string // what would parse, e.g. "true or false"
}

// envDefaults reads environment variables into flag defaults.
type envDefaults struct {
	std stdio
	bad []envFlag
}

func (e *envDefaults) string(fs *flag.FlagSet, p *string, name, key, usage string) {
	*p = e.std.env(key, *p)
	fs.StringVar(p, name, *p, usage+" ("+key+")")
}

// secret is string for a value that may be secret, such as a database URL
// with a password: KEY_FILE names a file holding it (as container secrets
// are mounted), so that it need not sit in the environment. KEY wins over
// KEY_FILE; the flag wins over both.
func (e *envDefaults) secret(fs *flag.FlagSet, p *string, name, key, usage string) {
	// Registered with the default before the variable is read, so that
	// --help never prints the secret as the flag's default.
	fs.StringVar(p, name, *p, usage+" ("+key+" or "+key+"_FILE)")
	if v := e.std.env(key, ""); v != "" {
		*p = v
	} else if file := e.std.env(key+"_FILE", ""); file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			e.bad = append(e.bad, envFlag{name, key + "_FILE", file, ""})
		} else {
			*p = strings.TrimSpace(string(data))
		}
	}
}

func (e *envDefaults) int(fs *flag.FlagSet, p *int, name, key, usage string) {
	if v := e.std.env(key, ""); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			e.bad = append(e.bad, envFlag{name, key, v, "a whole number"})
		} else {
			*p = n
		}
	}
	fs.IntVar(p, name, *p, usage+" ("+key+")")
}

func (e *envDefaults) int64(fs *flag.FlagSet, p *int64, name, key, usage string) {
	if v := e.std.env(key, ""); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			e.bad = append(e.bad, envFlag{name, key, v, "a whole number"})
		} else {
			*p = n
		}
	}
	fs.Int64Var(p, name, *p, usage+" ("+key+")")
}

func (e *envDefaults) bool(fs *flag.FlagSet, p *bool, name, key, usage string) {
	if v := e.std.env(key, ""); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			e.bad = append(e.bad, envFlag{name, key, v, "true or false (or 1, 0, t, f)"})
		} else {
			*p = b
		}
	}
	fs.BoolVar(p, name, *p, usage+" ("+key+")")
}

func (e *envDefaults) duration(fs *flag.FlagSet, p *time.Duration, name, key, usage string) {
	if v := e.std.env(key, ""); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			e.bad = append(e.bad, envFlag{name, key, v, "a duration such as 30s, 2m or 1h30m"})
		} else {
			*p = d
		}
	}
	fs.DurationVar(p, name, *p, usage+" ("+key+")")
}

// err reports the first environment variable that did not parse.
func (e *envDefaults) err() error {
	if len(e.bad) == 0 {
		return nil
	}
	b := e.bad[0]
	if strings.HasSuffix(b.key, "_FILE") {
		return usagef("%s=%q: cannot read the file for --%s", b.key, b.value, b.name)
	}
	return usagef("%s=%q: not a valid value for --%s: want %s", b.key, b.value, b.name, b.want)
}

// logConfig is the logging configuration every subcommand shares.
type logConfig struct {
	Level  string // debug, info, warn, error
	Format string // json or text
}

func defaultLogConfig() logConfig { return logConfig{Level: "info", Format: "text"} }

func (c *logConfig) flags(fs *flag.FlagSet, e *envDefaults) {
	e.string(fs, &c.Level, "log-level", "BONAFIDE_LOG_LEVEL", "log level: debug, info, warn or error")
	e.string(fs, &c.Format, "log-format", "BONAFIDE_LOG_FORMAT", "log format: json or text")
}

func (c logConfig) validate() error {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.Level)); err != nil {
		return usagef("log level %q: want debug, info, warn or error", c.Level)
	}
	if c.Format != "json" && c.Format != "text" {
		return usagef("log format %q: want json or text", c.Format)
	}
	return nil
}

// logger returns a logger writing to w as configured. Call validate first.
func (c logConfig) logger(w io.Writer) *slog.Logger {
	var l slog.Level
	l.UnmarshalText([]byte(c.Level)) //nolint:errcheck // validated
	opts := &slog.HandlerOptions{Level: l}
	if c.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// dbConfig names the store.
type dbConfig struct {
	DB string // a SQLite path, or a postgres:// URL
}

func defaultDBConfig() dbConfig { return dbConfig{DB: "bonafide.db"} }

func (c *dbConfig) flags(fs *flag.FlagSet, e *envDefaults) {
	e.secret(fs, &c.DB, "db", "BONAFIDE_DB", "store: a SQLite file path, or a postgres:// URL for PostgreSQL")
}

func (c dbConfig) validate() error {
	if strings.TrimSpace(c.DB) == "" {
		return usagef("--db is empty: give a SQLite file path or a postgres:// URL")
	}
	return nil
}

// isPostgres reports whether the store is PostgreSQL.
func (c dbConfig) isPostgres() bool {
	return strings.HasPrefix(c.DB, "postgres://") || strings.HasPrefix(c.DB, "postgresql://")
}

// redacted returns the store name with any password masked, for printing.
func (c dbConfig) redacted() string {
	if !c.isPostgres() {
		return c.DB
	}
	u, err := url.Parse(c.DB)
	if err != nil {
		return "(unparsable PostgreSQL URL)"
	}
	return u.Redacted()
}
