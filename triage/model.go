package triage

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Signal names a campaign signal. Each has a value in 0..1 for a referral
// and a weight in the [Model]; its contribution to the log-odds of the
// campaign score is weight × value.
type Signal string

// The campaign signals, described for a team manager in docs/triage.md.
const (
	SigPriorFalse     Signal = "prior_false_findings" // earlier referrals about the family found unfounded or malicious
	SigReporterRepeat Signal = "reporter_repeat"      // the reporter is linked to earlier referrals about this family
	SigReporterFalse  Signal = "reporter_prior_false" // ... and one of those was found unfounded or malicious
	SigNearNetwork    Signal = "same_network"         // same /24 network as an earlier non-professional referral about the family
	SigAfterPost      Signal = "after_public_post"    // received within hours of a public post by the family
	SigLifeEvent      Signal = "after_life_event"     // within weeks of a birth or pregnancy the family announced
	SigRestatesPost   Signal = "restates_public_post" // the allegation restates a recent public post
	SigForum          Signal = "forum_precursor"      // a forum post about the family shortly before
	SigNearDuplicate  Signal = "near_duplicate"       // narrative near-identical to an earlier referral (not a relay)
	SigStyle          Signal = "writing_style"        // writing style like an earlier anonymous referral about the family
	SigNoDetail       Signal = "no_first_hand_detail" // no time, place or thing seen, from someone claiming to know first hand or not saying how
	SigBurst          Signal = "burst"                // several referrals about the family through several channels in a short window
	SigProfessional   Signal = "professional_source"  // a named professional reporting through their work (lowers the score)
	SigRichDetail     Signal = "first_hand_detail"    // times, places and things seen (lowers the score)
	SigManner         Signal = "hostile_manner"       // written as an attack: hostility, sweeping claims, shouting
	SigRepeatClaim    Signal = "repeated_claim"       // a sentence of an earlier referral about the family, days or more before, made again
	SigLayRepeat      Signal = "lay_repeat"           // earlier referrals about the family by members of the public in the last 90 days
	SigHearsay        Signal = "hearsay"              // rumour and reputation ("her ex says", "a known abuser") rather than what was seen
	// SigReporterSubst: the reporter is linked to an earlier referral about
	// this family that was found substantiated. A finding that the reporter
	// was right counts against a campaign, never for one (lowers the score).
	SigReporterSubst Signal = "reporter_prior_substantiated"
	// SigCitesPost: the allegation names the family's own post as its
	// source ("in her video", "according to her stories") while the
	// reporter gives a basis other than online content (first hand, from
	// someone, or none): what the family published, retold as witnessed.
	SigCitesPost Signal = "cites_family_post"
	// SigReporterMalicious: the reporter is linked to an earlier referral
	// about this family that was found malicious: a deliberate falsehood
	// established, which "unfounded" (nothing found) is not.
	SigReporterMalicious Signal = "reporter_prior_malicious"
)

// Signals lists every signal in a fixed order: the order of feature vectors.
var Signals = []Signal{SigPriorFalse, SigReporterRepeat, SigReporterFalse, SigNearNetwork, SigAfterPost, SigLifeEvent,
	SigRestatesPost, SigForum, SigNearDuplicate, SigStyle, SigNoDetail, SigBurst, SigProfessional, SigRichDetail, SigManner,
	SigRepeatClaim, SigLayRepeat, SigHearsay, SigReporterSubst, SigCitesPost, SigReporterMalicious}

// Model is a logistic combination of the signals:
// score = 1 / (1 + exp(-(Bias + Σ Weights[s] × value(s)))).
// It is explainable by construction: each reason shows its weight × value.
type Model struct {
	Bias    float64            `json:"bias"`
	Weights map[Signal]float64 `json:"weights"`
	// Source says how the weights were obtained (fitted on which data, or set by hand).
	Source string `json:"source,omitempty"`
}

// DefaultModel returns the weights bonafide ships with. See docs/triage.md
// for how they were obtained.
func DefaultModel() Model {
	return Model{
		Bias: -3.847,
		Weights: map[Signal]float64{
			SigPriorFalse:        1.095,
			SigReporterRepeat:    1.484,
			SigReporterFalse:     1.206,
			SigNearNetwork:       0.138,
			SigAfterPost:         1.47,
			SigLifeEvent:         0.834,
			SigRestatesPost:      0,
			SigForum:             1.812,
			SigNearDuplicate:     0,
			SigStyle:             0.285,
			SigNoDetail:          0.426,
			SigBurst:             0,
			SigProfessional:      -1.876,
			SigRichDetail:        -0.176,
			SigManner:            3.103,
			SigRepeatClaim:       1.063,
			SigLayRepeat:         1.77,
			SigHearsay:           2.416,
			SigReporterSubst:     -1.5,
			SigCitesPost:         0.6,
			SigReporterMalicious: 0.526,
		},
		Source: "fitted by `bonafide triage fit` on synth (commit 82f030c) seeds 1-4, 10,000 families each; judged on seeds 11-13 and 21-23 and on triagetest seed 101",
	}
}

// Validate checks that the model names only known signals and has finite weights.
func (m Model) Validate() error {
	known := map[Signal]bool{}
	for _, s := range Signals {
		known[s] = true
	}
	for s, w := range m.Weights {
		if !known[s] {
			names := make([]string, len(Signals))
			for i, k := range Signals {
				names[i] = string(k)
			}
			return fmt.Errorf("model: unknown signal %q (want one of %s)", s, strings.Join(names, ", "))
		}
		if math.IsNaN(w) || math.IsInf(w, 0) {
			return fmt.Errorf("model: weight of %q is not finite", s)
		}
	}
	if math.IsNaN(m.Bias) || math.IsInf(m.Bias, 0) {
		return fmt.Errorf("model: bias is not finite")
	}
	return nil
}

// Features are the signal values of one referral, in the order of [Signals].
type Features [numSignals]float64

const numSignals = 21

func sigIndex(s Signal) int {
	for i, x := range Signals {
		if x == s {
			return i
		}
	}
	panic("triage: unknown signal " + string(s))
}

// Score returns the campaign score of the feature values.
func (m Model) Score(f *Features) float64 {
	z := m.Bias
	for i, s := range Signals {
		z += m.Weights[s] * f[i]
	}
	return 1 / (1 + math.Exp(-z))
}

// Fit fits a model to labelled feature vectors by L2-regularised logistic
// regression (full-batch gradient descent; the problem is small and convex).
// Weights for "lowering" signals are kept at or below zero and the others at
// or above, so that the fitted model stays explainable in the same words.
func Fit(x []Features, y []bool, l2 float64, iters int) Model {
	return fitFrom(x, y, Model{}, l2, iters)
}

// FitDropout is [Fit] as if each signal of each referral were dropped
// (read as 0) with probability dropout, the dropout penalty of Wager,
// Wang and Liang ("Dropout training as adaptive regularization", 2013)
// added to the L2 one: a weight is shrunk by how much it decides the
// referrals the model is unsure of. A model fitted so leans on no single
// signal and reads several moderate signals together, which is what
// travels to referrals written differently (another generator, agency or
// period) where one signal is often missing or worded otherwise: fitted
// on synth alone, it ranks synth2's campaigns better (docs/triage.md,
// "Fourth round"). dropout 0 is Fit; it must be in [0, 1).
func FitDropout(x []Features, y []bool, l2, dropout float64, iters int) Model {
	return fitReg(x, y, Model{}, l2, dropout, iters)
}

// fitFrom is [Fit] started from prior's weights and with the L2 penalty
// pulling towards them rather than towards zero: with little data the
// weights stay near prior's. Fit is fitFrom with an empty prior.
func fitFrom(x []Features, y []bool, prior Model, l2 float64, iters int) Model {
	return fitReg(x, y, prior, l2, 0, iters)
}

// fitReg is fitFrom with the dropout penalty of [FitDropout]: the
// quadratic approximation δ/(1−δ) · Σₖ pₖ(1−pₖ) xₖᵢ² · wᵢ² / 2 per weight,
// averaged over the referrals like the loss, pₖ the current score.
func fitReg(x []Features, y []bool, prior Model, l2, dropout float64, iters int) Model {
	if dropout < 0 || dropout >= 1 {
		panic("triage: dropout must be in [0, 1)")
	}
	c := dropout / (1 - dropout)
	n := float64(len(x))
	var w, w0 Features
	for i, s := range Signals {
		w0[i] = prior.Weights[s]
	}
	w = w0
	b := prior.Bias
	sign := func(i int) float64 {
		if Signals[i] == SigProfessional || Signals[i] == SigRichDetail || Signals[i] == SigReporterSubst {
			return -1
		}
		return 1
	}
	lr := 0.5
	for it := 0; it < iters; it++ {
		var g, h Features // h: Σ p(1−p)x², the dropout penalty's curvature
		gb := 0.0
		for k := range x {
			z := b
			for i := range w {
				z += w[i] * x[k][i]
			}
			p := 1 / (1 + math.Exp(-z))
			t := 0.0
			if y[k] {
				t = 1
			}
			d := p - t
			gb += d
			v := p * (1 - p)
			for i := range w {
				g[i] += d * x[k][i]
				if c > 0 {
					h[i] += v * x[k][i] * x[k][i]
				}
			}
		}
		b -= lr * gb / n
		for i := range w {
			w[i] -= lr * (g[i]/n + l2*(w[i]-w0[i]) + c*h[i]/n*w[i])
			if w[i]*sign(i) < 0 {
				w[i] = 0
			}
		}
		// Guard rail: a reporter found right before about this family is
		// never scored more a campaign for reporting again. Whatever the
		// data, the weight of reporter_prior_substantiated at least cancels
		// reporter_repeat's.
		if rs, rr := sigIndex(SigReporterSubst), sigIndex(SigReporterRepeat); w[rs] > -w[rr] {
			w[rs] = -w[rr]
		}
	}
	m := Model{Bias: b, Weights: map[Signal]float64{}}
	for i, s := range Signals {
		m.Weights[s] = math.Round(w[i]*1000) / 1000
	}
	m.Bias = math.Round(b*1000) / 1000
	return m
}

// MarshalIndent writes the model as indented JSON, so that a fitted model
// can be read and reviewed by a person before it is used.
func (m Model) MarshalIndent() ([]byte, error) { return json.MarshalIndent(m, "", "  ") }

// ChooseThreshold returns the score threshold for the flag, chosen on
// labelled data: among the thresholds at which at most maxFalseFlag of the
// negatives score at or above it (few false flags first), the one with the
// best F1 (so that recall is not bought with a cluster of false flags just
// above the limit); of equally good ones, the highest.
func ChooseThreshold(scores []float64, positive []bool, maxFalseFlag float64) float64 {
	type sp struct {
		s   float64
		pos bool
	}
	all := make([]sp, len(scores))
	npos, nneg := 0, 0
	for i, s := range scores {
		all[i] = sp{s, positive[i]}
		if positive[i] {
			npos++
		} else {
			nneg++
		}
	}
	if nneg == 0 || npos == 0 {
		return 0.5
	}
	// descending: lowering the threshold past each distinct score flags it
	sort.Slice(all, func(i, j int) bool { return all[i].s > all[j].s })
	allowed := int(maxFalseFlag * float64(nneg))
	best, bestF1 := 0.99, -1.0
	tp, fp := 0, 0
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].s == all[i].s {
			if all[j].pos {
				tp++
			} else {
				fp++
			}
			j++
		}
		if fp > allowed {
			break
		}
		f1 := 2 * float64(tp) / float64(2*tp+fp+(npos-tp))
		if f1 > bestF1 {
			// the threshold sits just above the next lower score, so that
			// every score down to all[i].s is flagged
			t := all[i].s
			if j < len(all) {
				t = (all[i].s + all[j].s) / 2
			}
			best, bestF1 = t, f1
		}
		i = j
	}
	return math.Min(math.Max(best, 0.05), 0.99)
}

// ChoosePlateauThreshold returns a cut chosen to travel from one source:
// on a grid of 0.001, of the thresholds that flag at most maxFalseFlag of
// the negatives, those whose F1 is within margin of the best form the
// plateau; it returns the one nearest the plateau's middle (midway between
// its lowest and highest; of two as near, the higher). The best F1 on the
// fitting data is one point of a noisy curve, often at an edge of the
// plateau, where a small shift in another source's scores (more or fewer
// campaigns, another writer) loses most; the middle loses least either
// way. margin 0 is the middle of the cuts with the best F1 on the grid.
// It returns 0.5 when one class is missing, and 0.99 when no threshold is
// within the limit.
func ChoosePlateauThreshold(scores []float64, positive []bool, maxFalseFlag, margin float64) float64 {
	const steps = 1000
	npos, nneg := 0, 0
	for _, p := range positive {
		if p {
			npos++
		} else {
			nneg++
		}
	}
	if npos == 0 || nneg == 0 {
		return 0.5
	}
	// tp[k], fp[k]: flagged at threshold k/steps (score >= k/steps)
	tp, fp := make([]int, steps+1), make([]int, steps+1)
	for i, s := range scores {
		k := min(max(int(math.Floor(s*steps)), 0), steps)
		// s >= j/steps for every j <= k, but rounding may put s just
		// below k/steps: check
		if float64(k)/steps > s {
			k--
		}
		if k < 0 {
			continue
		}
		if positive[i] {
			tp[k]++
		} else {
			fp[k]++
		}
	}
	for k := steps - 1; k >= 0; k-- {
		tp[k] += tp[k+1]
		fp[k] += fp[k+1]
	}
	f1 := make([]float64, steps)
	best := -1.0
	for k := 1; k < steps; k++ {
		f1[k] = -1
		if float64(fp[k]) > maxFalseFlag*float64(nneg) || tp[k] == 0 {
			continue
		}
		f1[k] = 2 * float64(tp[k]) / float64(tp[k]+fp[k]+npos)
		best = max(best, f1[k])
	}
	if best < 0 {
		return 0.99
	}
	lo, hi := -1, -1
	for k := 1; k < steps; k++ {
		if f1[k] >= 0 && f1[k] >= best-margin-1e-12 {
			if lo < 0 {
				lo = k
			}
			hi = k
		}
	}
	mid := float64(lo+hi) / 2
	pick := -1
	for k := lo; k <= hi; k++ {
		if f1[k] >= 0 && f1[k] >= best-margin-1e-12 && (pick < 0 || math.Abs(float64(k)-mid) <= math.Abs(float64(pick)-mid)) {
			pick = k
		}
	}
	return float64(pick) / steps
}

// ChooseRobustThreshold returns the threshold that travels: among the
// thresholds (on a grid of 0.001) that flag at most maxFalseFlag of the
// negatives of every set, the one whose worst F1 over the sets is best; of
// equally good ones, the highest. Each set is one data source (a generator,
// an agency, a period), so that a cut is not tuned to one of them. ok is
// false when no threshold keeps every set within the limit while flagging
// some campaign referral of each.
func ChooseRobustThreshold(scores [][]float64, positive [][]bool, maxFalseFlag float64) (threshold float64, ok bool) {
	bestWorst := -1.0
	for k := 999; k >= 1; k-- {
		th := float64(k) / 1000
		worst, within := 2.0, true
		for s := range scores {
			tp, fp, npos, nneg := 0, 0, 0, 0
			for i, v := range scores[s] {
				if positive[s][i] {
					npos++
					if v >= th {
						tp++
					}
				} else {
					nneg++
					if v >= th {
						fp++
					}
				}
			}
			if nneg > 0 && float64(fp) > maxFalseFlag*float64(nneg) {
				within = false
				break
			}
			f1 := 0.0
			if npos > 0 {
				f1 = 2 * float64(tp) / float64(2*tp+fp+(npos-tp))
			}
			worst = min(worst, f1)
		}
		if within && worst > 0 && worst > bestWorst {
			bestWorst, threshold, ok = worst, th, true
		}
	}
	return threshold, ok
}
