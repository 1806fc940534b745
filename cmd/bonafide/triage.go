package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"bonafide"
	"bonafide/httpapi"
	"bonafide/postgres"
	"bonafide/sqlite"
	"bonafide/triage"
	"bonafide/triage/live"
)

// triageConfig configures `bonafide triage`.
type triageConfig struct {
	In, Out, Config string
	// DB, when set, names a store to triage instead of a stream: the
	// assessments of referrals not yet assessed are stored in it.
	DB string
	keyConfig
	logConfig
}

// runTriage triages an interchange stream: one assessment per referral,
// in order of receipt, each judged only on what came before it.
// `bonafide triage eval` and `bonafide triage fit` score and fit it.
func runTriage(ctx context.Context, args []string, std stdio) error {
	if len(args) > 0 {
		switch args[0] {
		case "eval":
			return runTriageEval(ctx, args[1:], std)
		case "fit":
			return runTriageFit(ctx, args[1:], std)
		}
	}
	cfg := triageConfig{logConfig: defaultLogConfig()}
	sc := newSubcommand(std, "triage", "", "Triages an interchange stream (or a store) and writes one assessment per referral, each judged only on what came before it; 'triage eval' and 'triage fit' score and fit it.")
	fs, env := sc.fs, sc.env
	env.string(fs, &cfg.In, "in", "BONAFIDE_TRIAGE_IN", "interchange stream to triage (default stdin)")
	env.string(fs, &cfg.Out, "out", "BONAFIDE_TRIAGE_OUT", "where to write the assessments (default stdout)")
	env.string(fs, &cfg.Config, "config", "BONAFIDE_TRIAGE_CONFIG", "triage settings as JSON (threshold, model, windows); defaults for what it leaves out")
	env.secret(fs, &cfg.DB, "db", "BONAFIDE_TRIAGE_DB",
		"triage a store instead of a stream (a SQLite file path or a postgres:// URL): store the assessments of referrals not yet assessed, as serve does, and write every referral's")
	cfg.keyConfig.flags(fs, env)
	sc.logging(&cfg.logConfig)
	if _, err := sc.parse(args, noArgs); err != nil {
		return err
	}
	if cfg.DB != "" && cfg.In != "" {
		return usagef("give --in or --db, not both")
	}
	tc, err := loadTriageConfig(cfg.Config)
	if err != nil {
		return err
	}
	if cfg.DB != "" {
		return triageStore(ctx, cfg, tc, std)
	}
	e, err := triage.New(tc)
	if err != nil {
		return usagef("%v", err)
	}
	in, closeIn, err := openIn(cfg.In, std)
	if err != nil {
		return err
	}
	defer closeIn()
	out, closeOut, err := createOut(cfg.Out, std)
	if err != nil {
		return err
	}
	st, err := triage.Run(ctx, e, in, out, nil)
	if err != nil {
		return err
	}
	if err := closeOut(); err != nil {
		return err
	}
	rate := float64(st.Referrals) / st.Elapsed.Seconds()
	fmt.Fprintf(std.err, "triaged %d referrals (%d records) in %s, %.0f referrals/s; %d flagged\n",
		st.Referrals, st.Records, st.Elapsed.Round(1e6), rate, st.Flagged)
	return nil
}

// triageStore triages the store cfg.DB names with the engine serve runs
// (triage/live): it replays every record, stores the assessment of each
// referral not assessed before (after `bonafide import` with no server
// running, say), and writes every referral's assessment, in order, to
// cfg.Out. Reporters are unsealed to be linked, so the run is audited.
func triageStore(ctx context.Context, cfg triageConfig, tc triage.Config, std stdio) (err error) {
	logger := cfg.logConfig.logger(std.err)
	a, err := openApp(ctx, appConfig{dbConfig: dbConfig{DB: cfg.DB}, keyConfig: cfg.keyConfig, Existing: true}, logger)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := a.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close store: %w", cerr)
		}
	}()
	as, err := assessmentStore(a.Store)
	if err != nil {
		return err
	}
	tc.BlindKey = a.Vault.Blind // as serve links them: no reporter identifier held in the clear
	if err := a.record(ctx, "triage.run", "store", "triage of the stored referrals started"); err != nil {
		return err
	}
	out, closeOut, err := createOut(cfg.Out, std)
	if err != nil {
		return err
	}
	// On any error below the output file is still closed (what it holds is
	// then incomplete, and the error says so).
	outClosed := false
	defer func() {
		if !outClosed {
			closeOut()
		}
	}()
	bw := bufio.NewWriterSize(out, 1<<20)
	var (
		referrals, flagged int
		werr               error
	)
	svc, err := live.New(a.Store, as, live.Options{Config: tc, Logger: logger, Each: func(x *triage.Assessment) {
		referrals++
		if x.Campaign.Flagged {
			flagged++
		}
		b, err := json.Marshal(x)
		if err == nil {
			bw.Write(b)
			err = bw.WriteByte('\n')
		}
		if werr == nil && err != nil {
			werr = fmt.Errorf("write assessment %s: %w", x.ReferralID, err)
		}
	}})
	if err != nil {
		return usagef("%v", err)
	}
	start := time.Now()
	stored, err := svc.CatchUp(ctx)
	if err != nil {
		return err
	}
	if werr != nil {
		return werr
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write assessments: %w", err)
	}
	outClosed = true
	if err := closeOut(); err != nil {
		return err
	}
	fmt.Fprintf(std.err, "triaged %d referrals of the store in %s; %d flagged; stored %d new assessments (engine %s)\n",
		referrals, time.Since(start).Round(time.Millisecond), flagged, stored, svc.Engine())
	if n := svc.Failures(); n > 0 {
		fmt.Fprintf(std.err, "%d referrals could not be given a campaign assessment: each has a failure record with its safety level and why (the log names them)\n", n)
	}
	return a.record(context.WithoutCancel(ctx), "triage.stored", "store",
		fmt.Sprintf("stored %d new assessments, %d of them failure records", stored, svc.Failures()))
}

// startTriage runs the triage service (triage/live) beside the API that
// serve and demo run: it replays store, then triages every referral stored
// (woken by the API after each write, polling for other writers), and srv
// serves the stored assessments. stop, called once the API has stopped,
// ends it and triages within timeout what was stored last; what it cannot
// finish is triaged on the next start. blind, when not nil, is the vault's
// keyed hash: the engine then holds no reporter identifier in the clear.
func startTriage(ctx context.Context, store bonafide.Store, srv *httpapi.Server, blind func(string) string, logger *slog.Logger) (stop func(timeout time.Duration), err error) {
	as, err := assessmentStore(store)
	if err != nil {
		return nil, err
	}
	tc := triage.DefaultConfig()
	tc.BlindKey = blind
	// Triage yields to intake: while referrals are being posted it waits
	// (at most live's MaxDefer, 1 s) and then assesses them in pages.
	svc, err := live.New(store, as, live.Options{Config: tc, Logger: logger, Busy: func() bool { return srv.ReferralsInFlight() > 0 }})
	if err != nil {
		return nil, err
	}
	srv.Assessments, srv.Triage, srv.TriageConfig = as, svc, &tc
	finish := svc.Go(ctx)
	return func(timeout time.Duration) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		defer cancel()
		if err := finish(fctx); err != nil {
			logger.Warn("triage did not finish before shutdown; it resumes on the next start", slog.Any("error", err))
		}
	}, nil
}

// assessmentStore returns the assessment store beside st.
func assessmentStore(st bonafide.Store) (bonafide.AssessmentStore, error) {
	switch s := st.(type) {
	case *sqlite.Store:
		return s.Assessments(), nil
	case *postgres.Store:
		return s.Assessments(), nil
	}
	return nil, fmt.Errorf("triage: store %T keeps no assessments", st)
}

// loadTriageConfig reads a settings file onto the defaults; "" means defaults.
func loadTriageConfig(path string) (triage.Config, error) {
	if path == "" {
		return triage.DefaultConfig(), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return triage.Config{}, fmt.Errorf("read triage config: %w", err)
	}
	defer f.Close()
	c, err := triage.ReadConfig(f)
	if err != nil {
		return c, usagef("triage config %s: %v", path, err)
	}
	return c, nil
}

func openIn(path string, std stdio) (io.Reader, func(), error) {
	if path == "" || path == "-" {
		return std.in, func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	return f, func() { f.Close() }, nil
}

func createOut(path string, std stdio) (io.Writer, func() error, error) {
	if path == "" || path == "-" {
		return std.out, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}

// triageEvalConfig configures `bonafide triage eval`.
type triageEvalConfig struct {
	Truth, In, Stream, Config string
	JSON                      bool
}

// runTriageEval scores triage output against a generator's truth file.
// It reads assessments (--in, default stdin), or with --stream runs triage
// on an interchange stream first.
func runTriageEval(ctx context.Context, args []string, std stdio) error {
	var cfg triageEvalConfig
	sc := newSubcommand(std, "triage eval", "", "Scores assessments (--in, or triage of --stream) against a generator's truth file: campaign precision, recall, F1, ROC AUC, false flags, immediate-danger misses and link F1.")
	fs, env := sc.fs, sc.env
	env.string(fs, &cfg.Truth, "truth", "BONAFIDE_TRIAGE_TRUTH", "truth file (JSON Lines) from the generator")
	env.string(fs, &cfg.In, "in", "BONAFIDE_TRIAGE_IN", "assessments to score (default stdin)")
	env.string(fs, &cfg.Stream, "stream", "BONAFIDE_TRIAGE_STREAM", "an interchange stream to triage and score instead of --in")
	env.string(fs, &cfg.Config, "config", "BONAFIDE_TRIAGE_CONFIG", "triage settings as JSON, with --stream")
	fs.BoolVar(&cfg.JSON, "json", false, "write the report as JSON")
	if _, err := sc.parse(args, noArgs); err != nil {
		return err
	}
	if cfg.Truth == "" {
		return usagef("--truth is required")
	}
	if cfg.In != "" && cfg.Stream != "" {
		return usagef("give --in or --stream, not both")
	}
	tf, err := os.Open(cfg.Truth)
	if err != nil {
		return err
	}
	truth, err := triage.ReadTruth(tf)
	tf.Close()
	if err != nil {
		return err
	}
	var as []triage.Assessment
	if cfg.Stream != "" {
		as, err = triageFile(ctx, cfg.Stream, cfg.Config)
	} else {
		in, closeIn, oerr := openIn(cfg.In, std)
		if oerr != nil {
			return oerr
		}
		as, err = triage.ReadAssessments(in)
		closeIn()
	}
	if err != nil {
		return err
	}
	rep := triage.Evaluate(as, truth)
	if cfg.JSON {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		_, err = std.out.Write(append(b, '\n'))
		return err
	}
	return rep.WriteText(std.out)
}

// triageFile runs triage over a stream file and keeps every assessment.
func triageFile(ctx context.Context, path, configPath string) ([]triage.Assessment, error) {
	tc, err := loadTriageConfig(configPath)
	if err != nil {
		return nil, err
	}
	e, err := triage.New(tc)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var as []triage.Assessment
	_, err = triage.Run(ctx, e, f, io.Discard, func(a *triage.Assessment) { as = append(as, *a) })
	return as, err
}

// runTriageFit fits the campaign model on labelled streams and writes a
// settings file with the fitted weights and a threshold chosen for few
// false flags. The data it is fitted on must not be the data it is judged on.
func runTriageFit(ctx context.Context, args []string, std stdio) error {
	var streams, truths, cutStreams, cutTruths, out string
	var sf storeFitConfig
	maxFF := 0.005
	sc := newSubcommand(std, "triage fit", "", "Fits the campaign model on labelled streams (or calibrates it on a store's recorded findings, --db) and writes a settings file with the fitted weights and a threshold chosen for few false flags.")
	fs := sc.fs
	sc.env.secret(fs, &sf.DB, "db", "BONAFIDE_TRIAGE_DB",
		"calibrate on a store's recorded findings instead of labelled streams (a SQLite file path or a postgres:// URL): referrals found unfounded or malicious are campaign, substantiated or unsubstantiated genuine")
	fs.BoolVar(&sf.Weights, "weights", false, "with --db: refit the weights too, pulled towards the shipped ones, kept only if they do no worse on the held-out period")
	fs.Float64Var(&sf.Holdout, "holdout", 0.25, "with --db: share of the labelled referrals, the latest received, held out to check the calibration on")
	fs.StringVar(&sf.Card, "card", "", "with --db: where to write the model card (Markdown; default beside --out as .card.md, or stderr)")
	fs.StringVar(&sf.Findings, "campaign-findings", "unfounded,malicious", "with --db: the findings that mark a campaign referral (unfounded, malicious)")
	fs.StringVar(&sf.Genuine, "genuine-findings", "substantiated", "with --db: the findings that mark a genuine referral (substantiated, unsubstantiated: campaigns are often found unsubstantiated)")
	sf.keyConfig.flags(fs, sc.env)
	fs.StringVar(&streams, "stream", "", "comma-separated interchange streams to fit on")
	fs.StringVar(&truths, "truth", "", "their truth files, in the same order")
	fs.StringVar(&cutStreams, "cut-stream", "", "comma-separated labelled streams from other sources (another generator, agency or period) that the threshold must also suit: it is then chosen for the best worst-case F1 within --max-false-flags on every stream; the weights are fitted on --stream only")
	fs.StringVar(&cutTruths, "cut-truth", "", "the truth files of --cut-stream, in the same order")
	fs.StringVar(&out, "out", "", "where to write the settings (default stdout)")
	fs.Float64Var(&maxFF, "max-false-flags", maxFF, "share of genuine referrals the threshold may flag on the fitting data (and on each --cut-stream)")
	fp := triage.DefaultFitParams()
	fs.Float64Var(&fp.Dropout, "dropout", fp.Dropout, "with --stream: fit the weights as if each signal were missing this share of the time, so that no one signal carries the model (0: plain L2)")
	fs.Float64Var(&fp.Plateau, "plateau", fp.Plateau, "with --stream and no --cut-stream: the cut is the middle of the cuts whose F1 on the fitting data is within this of the best (0: the best)")
	if _, err := sc.parse(args, noArgs); err != nil {
		return err
	}
	if sf.DB != "" {
		if streams != "" || truths != "" || cutStreams != "" || cutTruths != "" {
			return usagef("give --db or --stream, not both")
		}
		var streamOnly string
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "dropout" || f.Name == "plateau" {
				streamOnly = f.Name
			}
		})
		if streamOnly != "" {
			return usagef("--%s fits labelled streams: give --stream, not --db", streamOnly)
		}
		sf.Out, sf.MaxFF = out, maxFF
		return triageFitStore(ctx, sf, std)
	}
	if sf.Weights || sf.Card != "" {
		return usagef("--weights and --card calibrate a store: give --db")
	}
	if fp.Dropout < 0 || fp.Dropout >= 1 || fp.Plateau < 0 || fp.Plateau >= 1 {
		return usagef("--dropout %v, --plateau %v: each must be at least 0 and below 1", fp.Dropout, fp.Plateau)
	}
	sl, tl := strings.Split(streams, ","), strings.Split(truths, ",")
	if streams == "" || len(sl) != len(tl) {
		return usagef("give as many --truth files as --stream files")
	}
	var cl, ctl []string
	if cutStreams != "" || cutTruths != "" {
		cl, ctl = strings.Split(cutStreams, ","), strings.Split(cutTruths, ",")
		if cutStreams == "" || len(cl) != len(ctl) {
			return usagef("give as many --cut-truth files as --cut-stream files")
		}
	}
	var data, cut []triage.LabelledStream
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	for _, set := range []struct {
		s, t []string
		into *[]triage.LabelledStream
	}{{sl, tl, &data}, {cl, ctl, &cut}} {
		for i := range set.s {
			s, err := os.Open(set.s[i])
			if err != nil {
				return err
			}
			files = append(files, s)
			t, err := os.Open(set.t[i])
			if err != nil {
				return err
			}
			files = append(files, t)
			*set.into = append(*set.into, triage.LabelledStream{Name: set.s[i], Stream: s, Truth: t})
		}
	}
	fp.MaxFalseFlags = maxFF
	c, err := triage.FitStreamsWith(ctx, data, cut, fp, fmt.Sprintf("fitted on %s by bonafide triage fit", streams))
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	w, closeOut, err := createOut(out, std)
	if err != nil {
		return err
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return err
	}
	return closeOut()
}

// storeFitConfig configures `bonafide triage fit --db`.
type storeFitConfig struct {
	DB, Out, Card, Findings, Genuine string
	Weights                          bool
	Holdout, MaxFF                   float64
	keyConfig
}

// triageFitStore calibrates the campaign model on the findings recorded in
// a store (triage.FitRecords) and writes the settings and the model card.
// Reporters are unsealed to be linked, as `triage --db` does, so the run is
// audited.
func triageFitStore(ctx context.Context, cfg storeFitConfig, std stdio) (err error) {
	var findings []bonafide.Finding
	for _, f := range strings.Split(cfg.Findings, ",") {
		if f = strings.TrimSpace(f); f != "" {
			findings = append(findings, bonafide.Finding(f))
		}
	}
	if len(findings) == 0 {
		return usagef("--campaign-findings: give unfounded, malicious or both")
	}
	for _, f := range findings {
		if f != bonafide.FindingUnfounded && f != bonafide.FindingMalicious {
			return usagef("--campaign-findings: %q is not unfounded or malicious (a substantiated or unsubstantiated concern is never a campaign)", f)
		}
	}
	var genuine []bonafide.Finding
	for _, f := range strings.Split(cfg.Genuine, ",") {
		if f = strings.TrimSpace(f); f != "" {
			if f := bonafide.Finding(f); f != bonafide.FindingSubstantiated && f != bonafide.FindingUnsubstantiated {
				return usagef("--genuine-findings: %q is not substantiated or unsubstantiated", f)
			}
			genuine = append(genuine, bonafide.Finding(f))
		}
	}
	if len(genuine) == 0 {
		return usagef("--genuine-findings: give substantiated, unsubstantiated or both")
	}
	if cfg.Holdout <= 0 || cfg.Holdout > 0.5 {
		return usagef("--holdout %.2f: want a share above 0 and at most 0.5", cfg.Holdout)
	}
	if cfg.MaxFF <= 0 || cfg.MaxFF >= 1 {
		return usagef("--max-false-flags %.4f: want a share between 0 and 1", cfg.MaxFF)
	}
	if cfg.Card == "" && cfg.Out != "" {
		cfg.Card = strings.TrimSuffix(cfg.Out, ".json") + ".card.md"
	}
	logger := slog.New(slog.NewTextHandler(std.err, &slog.HandlerOptions{Level: slog.LevelWarn}))
	dbc := dbConfig{DB: cfg.DB}
	a, err := openApp(ctx, appConfig{dbConfig: dbc, keyConfig: cfg.keyConfig, Existing: true}, logger)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := a.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close store: %w", cerr)
		}
	}()
	base := triage.DefaultConfig()
	base.BlindKey = a.Vault.Blind // as serve links reporters: no identifier held in the clear
	if err := a.record(ctx, "triage.fit", "store", "campaign calibration on the recorded findings started"); err != nil {
		return err
	}
	c, card, err := triage.FitRecords(ctx, a.Store.Records(ctx, 0, 0), triage.StoreFit{Base: base, Weights: cfg.Weights,
		MaxFalseFlags: cfg.MaxFF, Holdout: cfg.Holdout, CampaignFindings: findings, GenuineFindings: genuine, Data: "the store " + dbc.redacted(), Now: time.Now()})
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	w, closeOut, err := createOut(cfg.Out, std)
	if err != nil {
		return err
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		closeOut()
		return err
	}
	if err := closeOut(); err != nil {
		return err
	}
	cw, closeCard := io.Writer(std.err), func() error { return nil }
	if cfg.Card != "" {
		f, err := os.Create(cfg.Card)
		if err != nil {
			return fmt.Errorf("model card: %w", err)
		}
		cw, closeCard = f, f.Close
	}
	if err := card.Markdown(cw); err != nil {
		closeCard()
		return fmt.Errorf("model card: %w", err)
	}
	if err := closeCard(); err != nil {
		return fmt.Errorf("model card: %w", err)
	}
	fmt.Fprintf(std.err, "calibrated on %d labelled referrals of %d (%d held out): cut %.3f; held out: F1 %.3f, %.2f%% of genuine referrals flagged (base weights %.3f, %.2f%%)\n",
		card.Labelled, card.Referrals, card.Hold.Campaign+card.Hold.Genuine, card.Cut, card.Hold.F1, 100*card.Hold.FalseFlagRate, card.BaseHold.F1, 100*card.BaseHold.FalseFlagRate)
	return a.record(context.WithoutCancel(ctx), "triage.fitted", "store",
		fmt.Sprintf("campaign calibration written: %d labelled referrals, cut %.3f", card.Labelled, card.Cut))
}
