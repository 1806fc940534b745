package triage

import (
	"context"
	"fmt"
	"io"
	"iter"
	"math"
	"sort"
	"strings"
	"time"

	"bonafide"
)

// StoreFit configures [FitRecords]: calibrating the campaign model on an
// agency's own recorded findings.
type StoreFit struct {
	// Base is the configuration whose signals are computed and whose model
	// is the starting point (DefaultConfig, with the store's BlindKey).
	Base Config
	// Weights refits the weights too, with the guard rails of
	// [FitRecords]; without it only the cut is calibrated.
	Weights bool
	// MaxFalseFlags is the share of genuine referrals of the fitting period
	// the cut may flag (0.005 when zero).
	MaxFalseFlags float64
	// Holdout is the share of the labelled referrals, the latest received,
	// kept back to check the calibration on (0.25 when zero; at most 0.5).
	Holdout float64
	// CampaignFindings are the findings taken to mark a campaign referral
	// (unfounded and malicious when empty).
	CampaignFindings []bonafide.Finding
	// GenuineFindings are the findings taken to mark a genuine referral
	// (substantiated when empty; unsubstantiated may be added, though a
	// campaign is often found unsubstantiated rather than unfounded).
	GenuineFindings []bonafide.Finding
	// Data names the store for the card (a redacted name, never a password).
	Data string
	// Now dates the card.
	Now time.Time
}

// Minimum labelled referrals in the fitting period: fewer and the figures
// say nothing, so FitRecords refuses rather than write a calibration.
const (
	MinCutCampaign     = 20  // campaign-labelled referrals to choose a cut
	MinCutGenuine      = 100 // genuine-labelled referrals to choose a cut
	MinWeightsCampaign = 50  // campaign-labelled referrals to refit the weights
	MinWeightsGenuine  = 300 // genuine-labelled referrals to refit the weights
	// storeL2 pulls refitted weights towards the base model's: with little
	// data they stay near it, and only what the data shows clearly moves them.
	storeL2 = 0.01
)

// Figures are the campaign figures of a model and cut on labelled referrals.
type Figures struct {
	Campaign, Genuine int
	Precision, Recall float64
	F1, AUC           float64
	FalseFlags        int
	FalseFlagRate     float64
}

// ModelCard describes a calibration: what it was fitted on, when, its
// figures, and what it must never do. [ModelCard.Markdown] writes it for
// the team manager who decides whether to use it.
type ModelCard struct {
	Data                              string
	Date                              time.Time
	Referrals, Labelled               int
	FitFrom, FitTo, HoldFrom, HoldTo  time.Time
	CampaignFindings, GenuineFindings []bonafide.Finding
	FitCampaign, FitGenuine           int
	WeightsRefitted                   bool
	// WeightsKept says why refitted weights were not kept, when they were not.
	WeightsKept     string
	Base, Model     Model
	BaseCut, Cut    float64
	BaseFit, Fit    Figures // on the fitting period
	BaseHold, Hold  Figures // on the held-out period
	ImmediateDanger int
	ImmediateBelow  int
	MaxFalseFlags   float64
}

type labelled struct {
	at  time.Time
	f   Features
	pos bool
}

// FitRecords calibrates the campaign model on a store's recorded findings.
// Every record is fed, in the order stored, to an engine with cfg.Base, so
// that each referral's signals are what they were when it arrived (the
// findings it could see are those decided before it). A referral whose
// latest finding is one of CampaignFindings is labelled campaign;
// substantiated or unsubstantiated, genuine; one with no finding is not
// used. The latest Holdout of the labelled referrals (by receipt) are kept
// back: the cut, and with Weights the weights, are fitted on the earlier
// ones only, and both the base and the calibrated model are judged on the
// later ones.
//
// The guard rails, whatever the data: safety is never touched (it is
// judged from the referral alone; ImmediateBelow is counted and must be
// 0); refitted weights keep their signs (professional source, first-hand
// detail and a substantiated finding only lower the score), keep
// reporter_prior_substantiated at least cancelling reporter_repeat, and
// are pulled towards the base model's; refitted weights are kept only if,
// on the held-out period, they flag no more of the genuine referrals than
// MaxFalseFlags or the base weights (with their cut calibrated here) do,
// and give an F1 no worse than theirs; with too little labelled data
// FitRecords refuses.
func FitRecords(ctx context.Context, recs iter.Seq2[bonafide.Stored, error], opt StoreFit) (Config, ModelCard, error) {
	if opt.MaxFalseFlags == 0 {
		opt.MaxFalseFlags = 0.005
	}
	if opt.Holdout == 0 {
		opt.Holdout = 0.25
	}
	if opt.MaxFalseFlags < 0 || opt.MaxFalseFlags >= 1 {
		return Config{}, ModelCard{}, fmt.Errorf("fit: max false flags %.4f: want a share between 0 and 1", opt.MaxFalseFlags)
	}
	if opt.Holdout < 0 || opt.Holdout > 0.5 {
		return Config{}, ModelCard{}, fmt.Errorf("fit: hold-out %.2f: want a share above 0 and at most 0.5", opt.Holdout)
	}
	camp := map[bonafide.Finding]bool{bonafide.FindingUnfounded: true, bonafide.FindingMalicious: true}
	if len(opt.CampaignFindings) > 0 {
		camp = map[bonafide.Finding]bool{}
		for _, f := range opt.CampaignFindings {
			if f != bonafide.FindingUnfounded && f != bonafide.FindingMalicious {
				return Config{}, ModelCard{}, fmt.Errorf("fit: campaign finding %q: want unfounded or malicious (a substantiated or unsubstantiated concern is never a campaign)", f)
			}
			camp[f] = true
		}
	}
	genuine := map[bonafide.Finding]bool{bonafide.FindingSubstantiated: true}
	for _, f := range opt.GenuineFindings {
		if f != bonafide.FindingSubstantiated && f != bonafide.FindingUnsubstantiated {
			return Config{}, ModelCard{}, fmt.Errorf("fit: genuine finding %q: want substantiated or unsubstantiated", f)
		}
		genuine[f] = true
	}
	e, err := New(opt.Base)
	if err != nil {
		return Config{}, ModelCard{}, err
	}
	card := ModelCard{Data: opt.Data, Date: opt.Now, Base: opt.Base.Model, BaseCut: opt.Base.Threshold, MaxFalseFlags: opt.MaxFalseFlags}
	for _, f := range bonafide.Findings {
		if camp[f] {
			card.CampaignFindings = append(card.CampaignFindings, f)
		}
		if genuine[f] {
			card.GenuineFindings = append(card.GenuineFindings, f)
		}
	}

	type seen struct {
		at time.Time
		f  Features
	}
	var order []string
	byID := map[string]seen{}
	finding := map[string]bonafide.Finding{}
	for st, err := range recs {
		if err != nil {
			return Config{}, ModelCard{}, fmt.Errorf("fit: read store: %w", err)
		}
		if o, ok := st.Record.(*bonafide.Outcome); ok && o.Finding != "" {
			finding[o.ReferralID] = o.Finding // the latest finding recorded wins
		}
		a, err := e.Observe(st.Record)
		if err != nil {
			return Config{}, ModelCard{}, fmt.Errorf("fit: triage seq %d: %w", st.Seq, err)
		}
		if a == nil {
			continue
		}
		r := st.Record.(*bonafide.Referral)
		if r.ImmediateDanger {
			card.ImmediateDanger++
			if a.Safety.Level != LevelImmediate {
				card.ImmediateBelow++
			}
		}
		order = append(order, a.ReferralID)
		byID[a.ReferralID] = seen{r.ReceivedAt, a.Features()}
	}
	if err := ctx.Err(); err != nil {
		return Config{}, ModelCard{}, err
	}
	if card.ImmediateBelow > 0 {
		// JudgeSafety cannot see the model: this cannot happen, and no
		// calibration is written if it ever does.
		return Config{}, ModelCard{}, fmt.Errorf("fit: %d immediate-danger referrals rated below immediate", card.ImmediateBelow)
	}
	card.Referrals = len(order)
	var data []labelled
	for _, id := range order {
		f, ok := finding[id]
		if !ok {
			continue
		}
		s := byID[id]
		switch {
		case camp[f]:
			data = append(data, labelled{s.at, s.f, true})
		case genuine[f]:
			data = append(data, labelled{s.at, s.f, false})
		}
	}
	card.Labelled = len(data)
	sort.SliceStable(data, func(i, j int) bool { return data[i].at.Before(data[j].at) })
	nHold := int(math.Round(opt.Holdout * float64(len(data))))
	fit, hold := data[:len(data)-nHold], data[len(data)-nHold:]
	for _, d := range fit {
		if d.pos {
			card.FitCampaign++
		} else {
			card.FitGenuine++
		}
	}
	if card.FitCampaign < MinCutCampaign || card.FitGenuine < MinCutGenuine {
		return Config{}, card, fmt.Errorf("fit: the fitting period has %d referrals found %s and %d found %s; a cut needs at least %d and %d",
			card.FitCampaign, findingList(card.CampaignFindings), card.FitGenuine, findingList(card.GenuineFindings), MinCutCampaign, MinCutGenuine)
	}
	if opt.Weights && (card.FitCampaign < MinWeightsCampaign || card.FitGenuine < MinWeightsGenuine) {
		return Config{}, card, fmt.Errorf("fit: the fitting period has %d referrals found %s and %d found %s; refitting the weights needs at least %d and %d (calibrate the cut alone without --weights)",
			card.FitCampaign, findingList(card.CampaignFindings), card.FitGenuine, findingList(card.GenuineFindings), MinWeightsCampaign, MinWeightsGenuine)
	}
	card.FitFrom, card.FitTo = fit[0].at, fit[len(fit)-1].at
	if len(hold) > 0 {
		card.HoldFrom, card.HoldTo = hold[0].at, hold[len(hold)-1].at
	}
	xs, ys := split(fit)

	// The base weights with a cut calibrated on the fitting period.
	base := opt.Base.Model
	baseCut := ChooseThreshold(scoresOf(base, xs), ys, opt.MaxFalseFlags)
	m, cut := base, baseCut
	card.BaseFit, card.BaseHold = figures(base, baseCut, fit), figures(base, baseCut, hold)
	if opt.Weights {
		card.WeightsRefitted = true
		fm := fitFrom(xs, ys, base, storeL2, fitIters)
		fcut := ChooseThreshold(scoresOf(fm, xs), ys, opt.MaxFalseFlags)
		fh := figures(fm, fcut, hold)
		switch {
		case len(hold) == 0:
			card.WeightsKept = "no held-out period to check the refitted weights on"
		case fh.FalseFlagRate > max(opt.MaxFalseFlags, card.BaseHold.FalseFlagRate):
			card.WeightsKept = fmt.Sprintf("the refitted weights flag %.2f%% of the held-out genuine referrals, above the %.2f%% limit and the base weights' %.2f%%",
				100*fh.FalseFlagRate, 100*opt.MaxFalseFlags, 100*card.BaseHold.FalseFlagRate)
		case fh.F1 < card.BaseHold.F1:
			card.WeightsKept = fmt.Sprintf("the refitted weights give a held-out F1 of %.3f, below the base weights' %.3f", fh.F1, card.BaseHold.F1)
		default:
			m, cut = fm, fcut
		}
	}
	m.Source = fmt.Sprintf("calibrated on %s by bonafide triage fit --db on %s: %d labelled referrals received %s to %s (cut", opt.Data,
		opt.Now.UTC().Format("2 Jan 2006"), len(fit), fit[0].at.UTC().Format("2 Jan 2006"), fit[len(fit)-1].at.UTC().Format("2 Jan 2006"))
	if m.Weights != nil && card.WeightsRefitted && card.WeightsKept == "" {
		m.Source += " and weights, pulled towards the base model's)"
	} else {
		m.Source += " only; the weights are the base model's: " + base.Source + ")"
	}
	card.Model, card.Cut = m, cut
	card.Fit, card.Hold = figures(m, cut, fit), figures(m, cut, hold)
	c := opt.Base
	c.BlindKey = nil
	c.Model, c.Threshold = m, cut
	return c, card, nil
}

func findingList(fs []bonafide.Finding) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = string(f)
	}
	return strings.Join(s, " or ")
}

func split(d []labelled) ([]Features, []bool) {
	x, y := make([]Features, len(d)), make([]bool, len(d))
	for i := range d {
		x[i], y[i] = d[i].f, d[i].pos
	}
	return x, y
}

func scoresOf(m Model, x []Features) []float64 {
	s := make([]float64, len(x))
	for i := range x {
		s[i] = m.Score(&x[i])
	}
	return s
}

// figures scores m at cut on d.
func figures(m Model, cut float64, d []labelled) Figures {
	var f Figures
	tp := 0
	var pos, neg []float64
	for _, x := range d {
		s := m.Score(&x.f)
		if x.pos {
			f.Campaign++
			pos = append(pos, s)
			if s >= cut {
				tp++
			}
		} else {
			f.Genuine++
			neg = append(neg, s)
			if s >= cut {
				f.FalseFlags++
			}
		}
	}
	if tp+f.FalseFlags > 0 {
		f.Precision = float64(tp) / float64(tp+f.FalseFlags)
	}
	if f.Campaign > 0 {
		f.Recall = float64(tp) / float64(f.Campaign)
		f.F1 = 2 * float64(tp) / float64(2*tp+f.FalseFlags+f.Campaign-tp)
	}
	if f.Genuine > 0 {
		f.FalseFlagRate = float64(f.FalseFlags) / float64(f.Genuine)
	}
	f.AUC = rocAUC(pos, neg)
	return f
}

// rocAUC is the probability that a campaign referral scores above a
// genuine one (ties count half).
func rocAUC(pos, neg []float64) float64 {
	if len(pos) == 0 || len(neg) == 0 {
		return 0
	}
	sort.Float64s(neg)
	sum := 0.0
	for _, p := range pos {
		lo := sort.SearchFloat64s(neg, p)
		hi := lo
		for hi < len(neg) && neg[hi] == p {
			hi++
		}
		sum += float64(lo) + float64(hi-lo)/2
	}
	return sum / float64(len(pos)) / float64(len(neg))
}

// Markdown writes the card for a person to read before the calibration is used.
func (c ModelCard) Markdown(w io.Writer) error {
	var b strings.Builder
	day := func(t time.Time) string { return t.UTC().Format("2 Jan 2006") }
	fmt.Fprintf(&b, "# Model card: campaign calibration\n\n")
	fmt.Fprintf(&b, "- **Date**: %s\n", c.Date.UTC().Format("2 Jan 2006 15:04 MST"))
	fmt.Fprintf(&b, "- **Data**: %s: %d referrals, %d with a finding used as a label (found %s: campaign; found %s: genuine; any other finding or none: not used)\n",
		c.Data, c.Referrals, c.Labelled, findingList(c.CampaignFindings), findingList(c.GenuineFindings))
	fmt.Fprintf(&b, "- **Fitted on**: the %d labelled referrals received %s to %s (%d campaign, %d genuine)\n",
		c.FitCampaign+c.FitGenuine, day(c.FitFrom), day(c.FitTo), c.FitCampaign, c.FitGenuine)
	if c.Hold.Campaign+c.Hold.Genuine > 0 {
		fmt.Fprintf(&b, "- **Checked on** (held out, never fitted on): the %d labelled referrals received %s to %s (%d campaign, %d genuine)\n",
			c.Hold.Campaign+c.Hold.Genuine, day(c.HoldFrom), day(c.HoldTo), c.Hold.Campaign, c.Hold.Genuine)
	} else {
		fmt.Fprintf(&b, "- **Checked on**: nothing was held out; check it on a later period before use\n")
	}
	what := "the cut only; the weights are the base model's"
	switch {
	case c.WeightsRefitted && c.WeightsKept == "":
		what = "the cut and the weights (pulled towards the base model's)"
	case c.WeightsRefitted:
		what = "the cut only: the refitted weights were not kept, because " + c.WeightsKept
	}
	fmt.Fprintf(&b, "- **Calibrated**: %s; cut %.3f (base %.3f), at most %.2f%% of the fitting period's genuine referrals flagged\n\n", what, c.Cut, c.BaseCut, 100*c.MaxFalseFlags)
	fmt.Fprintf(&b, "## Figures\n\n| model | period | campaign | genuine | precision | recall | F1 | ROC AUC | genuine flagged |\n|---|---|---|---|---|---|---|---|---|\n")
	row := func(name, period string, f Figures) {
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %.3f | %.3f | **%.3f** | %.3f | %.2f%% (%d) |\n", name, period, f.Campaign, f.Genuine, f.Precision, f.Recall, f.F1, f.AUC, 100*f.FalseFlagRate, f.FalseFlags)
	}
	row("base weights, cut calibrated here", "fitting", c.BaseFit)
	row("base weights, cut calibrated here", "held out", c.BaseHold)
	row("this calibration", "fitting", c.Fit)
	row("this calibration", "held out", c.Hold)
	fmt.Fprintf(&b, "\nImmediate danger: %d referrals said a child is in danger now; %d were rated below immediate.\n\n", c.ImmediateDanger, c.ImmediateBelow)
	fmt.Fprintf(&b, "## Weights\n\n| signal | base | this calibration |\n|---|---|---|\n")
	fmt.Fprintf(&b, "| (bias) | %.3f | %.3f |\n", c.Base.Bias, c.Model.Bias)
	for _, s := range Signals {
		fmt.Fprintf(&b, "| `%s` | %.3f | %.3f |\n", s, c.Base.Weights[s], c.Model.Weights[s])
	}
	fmt.Fprintf(&b, "\n## What it must never do\n\n")
	fmt.Fprintf(&b, "- **Lower safety.** The safety level is judged from the referral alone; no model, weight or cut can change it, and a referral that says a child is in danger now is `immediate` whatever its campaign score.\n")
	fmt.Fprintf(&b, "- **Stop or close a referral.** A flag asks for a proportionate enquiry; it is never a finding.\n")
	fmt.Fprintf(&b, "- **Be judged on what it was fitted on.** Only the held-out row says how it may do; check it again on the next period before relying on it.\n")
	fmt.Fprintf(&b, "- **Count a reporter's substantiated concern for a campaign.** `reporter_prior_substantiated` stays at least as negative as `reporter_repeat` is positive; professional source and first-hand detail only lower the score.\n")
	fmt.Fprintf(&b, "\n## Known limits\n\n- Findings are labels with noise: a genuine concern found unfounded counts as a campaign here, and a campaign never investigated is not counted at all.\n- Few labelled referrals make every figure above uncertain; below %d campaign and %d genuine referrals no cut is written, below %d and %d no weights.\n",
		MinCutCampaign, MinCutGenuine, MinWeightsCampaign, MinWeightsGenuine)
	_, err := io.WriteString(w, b.String())
	return err
}
