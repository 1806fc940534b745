package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"bonafide/synth"
	"bonafide/synth2"
)

// synthConfig configures `bonafide synth`.
type synthConfig struct {
	Seed     int64
	Families int
	Out      string // directory for stream.jsonl and truth.jsonl
	// Start is the first day of the two years generated (synth's default,
	// 2025-01-06, when zero). Readers refuse times more than a day ahead
	// of their clock, so a stream to be imported must end before today.
	Start time.Time
	// Months is the length of the period (synth's default, 24, when zero).
	Months int
	// Generator is "synth" (the default) or "synth2", the second,
	// independent generator that models are judged on across.
	Generator string
}

func (c synthConfig) validate() error {
	if c.Families <= 0 {
		return usagef("--families must be positive")
	}
	if c.Generator != "" && c.Generator != "synth" && c.Generator != "synth2" {
		return usagef("unknown generator %q: want synth or synth2", c.Generator)
	}
	if c.Out == "" {
		return usagef("--out is empty: give a directory")
	}
	return nil
}

// runSynth writes a synthetic data set: DIR/stream.jsonl (interchange
// records in time order) and DIR/truth.jsonl (what each referral really
// is), the same for the same seed. Files are written under temporary names
// and renamed when complete.
func runSynth(ctx context.Context, args []string, std stdio) error {
	cfg := synthConfig{Seed: 1, Families: 1000, Out: "."}
	sc := newSubcommand(std, "synth", "", "Writes a synthetic data set, DIR/stream.jsonl and DIR/truth.jsonl, the same for the same seed; invented names only.")
	sc.env.int64(sc.fs, &cfg.Seed, "seed", "BONAFIDE_SYNTH_SEED", "random seed; the same seed gives the same data")
	sc.env.int(sc.fs, &cfg.Families, "families", "BONAFIDE_SYNTH_FAMILIES", "number of families")
	sc.env.string(sc.fs, &cfg.Out, "out", "BONAFIDE_SYNTH_OUT", "directory to write stream.jsonl and truth.jsonl into")
	sc.env.string(sc.fs, &cfg.Generator, "generator", "BONAFIDE_SYNTH_GENERATOR", "synth (default) or synth2: the second, independent generator (its own names, sentences and rates) to judge a model fitted on the first")
	start := ""
	sc.env.string(sc.fs, &start, "start", "BONAFIDE_SYNTH_START", "first day of the two years generated, YYYY-MM-DD (default 2025-01-06); a stream to import must end before today")
	sc.check(func() error {
		if start != "" {
			t, err := time.Parse(time.DateOnly, start)
			if err != nil {
				return usagef("--start %q is not a date of the form YYYY-MM-DD", start)
			}
			cfg.Start = t
		}
		return cfg.validate()
	})
	if _, err := sc.parse(args, noArgs); err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.Out, 0o750); err != nil {
		return err
	}
	stats, err := generate(ctx, cfg, filepath.Join(cfg.Out, "stream.jsonl"), filepath.Join(cfg.Out, "truth.jsonl"))
	if err != nil {
		return err
	}
	fmt.Fprintf(std.out, "wrote %s and %s: %d families, %d referrals (%d from %d campaigns, %d relays, %d immediate danger), %d public posts, %d forum posts, %d outcomes\n",
		filepath.Join(cfg.Out, "stream.jsonl"), filepath.Join(cfg.Out, "truth.jsonl"),
		stats.Families, stats.Referrals, stats.CampaignReferrals, stats.Campaigns, stats.Relays, stats.ImmediateDanger,
		stats.PublicPosts, stats.ForumPosts, stats.Outcomes)
	return nil
}

// generate runs synth.Generate into the two files, atomically.
func generate(ctx context.Context, cfg synthConfig, streamPath, truthPath string) (synth.Stats, error) {
	var stats synth.Stats
	err := writeAtomic(streamPath, func(stream io.Writer) error {
		return writeAtomic(truthPath, func(truth io.Writer) error {
			var err error
			if cfg.Generator == "synth2" {
				days := 0
				if cfg.Months > 0 {
					days = cfg.Months * 365 / 12
				}
				var s2 synth2.Stats
				s2, err = synth2.Generate(ctx, synth2.Config{Seed: cfg.Seed, Families: cfg.Families, Start: cfg.Start, Days: days}, stream, truth)
				stats = synth.Stats{Families: s2.Families, Referrals: s2.Referrals, CampaignReferrals: s2.CampaignReferrals, Relays: s2.Relays,
					ImmediateDanger: s2.ImmediateDanger, PublicPosts: s2.PublicPosts, ForumPosts: s2.ForumPosts, Outcomes: s2.Outcomes, Campaigns: s2.Campaigns}
				return err
			}
			stats, err = synth.Generate(ctx, synth.Config{Seed: cfg.Seed, Families: cfg.Families, Start: cfg.Start, Months: cfg.Months}, stream, truth)
			return err
		})
	})
	return stats, err
}

// writeAtomic writes path through write, via a temporary file in the same
// directory that is synced and renamed into place only on success. An error
// from write is returned as is; file errors name the file.
func writeAtomic(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // fails harmlessly after the rename
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
