package triage

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Truth is one line of a generator's truth file: what really happened for
// one referral. Campaign is empty for a genuine referral.
type Truth struct {
	ReferralID      string  `json:"referral_id"`
	Family          string  `json:"family"`
	Reporter        string  `json:"reporter"`
	Campaign        *string `json:"campaign"`
	ImmediateDanger bool    `json:"immediate_danger"`
	RelayOf         string  `json:"relay_of,omitempty"`
	Kind            string  `json:"kind,omitempty"`
}

// ReadTruth reads a truth file (JSON Lines).
func ReadTruth(r io.Reader) ([]Truth, error) {
	var out []Truth
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		var t Truth
		if err := json.Unmarshal(b, &t); err != nil {
			return nil, fmt.Errorf("truth line %d: %w", line, err)
		}
		out = append(out, t)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read truth: %w", err)
	}
	return out, nil
}

// Report is the scoring of a triage run against the truth, every figure the
// issue's quality bar names.
type Report struct {
	Referrals int `json:"referrals"`
	Unmatched int `json:"unmatched"` // assessments with no truth line, or the reverse

	Campaign          int     `json:"campaign_referrals"`
	Genuine           int     `json:"genuine_referrals"`
	TruePositives     int     `json:"true_positives"`
	FalsePositives    int     `json:"false_positives"`
	FalseNegatives    int     `json:"false_negatives"`
	Precision         float64 `json:"precision"`
	Recall            float64 `json:"recall"`
	F1                float64 `json:"f1"`
	AUC               float64 `json:"roc_auc"`
	FalseFlagRate     float64 `json:"false_flag_rate_genuine"`
	GenuineTargeted   int     `json:"genuine_about_targeted_families"`
	FalseFlagTargeted float64 `json:"false_flag_rate_genuine_targeted"`

	ImmediateDanger   int            `json:"immediate_danger_referrals"`
	ImmediateBelow    int            `json:"immediate_danger_rated_below_immediate"`
	ImmediateBelowIDs []string       `json:"immediate_below_ids,omitempty"`
	FamilyPairs       PairScore      `json:"family_links"`
	ReporterPairs     PairScore      `json:"reporter_links"`
	FalseFlagsByKind  map[string]int `json:"false_flags_by_kind,omitempty"`
	MissedByKind      map[string]int `json:"missed_by_kind,omitempty"`
}

// PairScore is pairwise precision, recall and F1 of a clustering: a pair of
// referrals is a true link when the truth puts them in one cluster.
type PairScore struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	TruePairs int64   `json:"true_pairs"`
	PredPairs int64   `json:"predicted_pairs"`
}

// Evaluate scores assessments against the truth.
func Evaluate(as []Assessment, truth []Truth) Report {
	byID := make(map[string]*Truth, len(truth))
	targeted := map[string]bool{}
	for i := range truth {
		byID[truth[i].ReferralID] = &truth[i]
		if truth[i].Campaign != nil {
			targeted[truth[i].Family] = true
		}
	}
	rep := Report{FalseFlagsByKind: map[string]int{}, MissedByKind: map[string]int{}}
	type scored struct {
		s   float64
		pos bool
	}
	var sc []scored
	var famPred, famTrue, repPred, repTrue []string
	seen := map[string]bool{}
	falseTargeted := 0
	for i := range as {
		a := &as[i]
		t := byID[a.ReferralID]
		if t == nil || seen[a.ReferralID] {
			rep.Unmatched++
			continue
		}
		seen[a.ReferralID] = true
		rep.Referrals++
		pos := t.Campaign != nil
		sc = append(sc, scored{a.Campaign.Score, pos})
		switch {
		case pos && a.Campaign.Flagged:
			rep.TruePositives++
		case pos:
			rep.FalseNegatives++
			rep.MissedByKind[t.Kind]++
		case a.Campaign.Flagged:
			rep.FalsePositives++
			rep.FalseFlagsByKind[t.Kind]++
			if targeted[t.Family] {
				falseTargeted++
			}
		}
		if pos {
			rep.Campaign++
		} else {
			rep.Genuine++
			if targeted[t.Family] {
				rep.GenuineTargeted++
			}
		}
		if t.ImmediateDanger {
			rep.ImmediateDanger++
			if a.Safety.Level != LevelImmediate {
				rep.ImmediateBelow++
				rep.ImmediateBelowIDs = append(rep.ImmediateBelowIDs, a.ReferralID)
			}
		}
		famPred, famTrue = append(famPred, a.Family), append(famTrue, t.Family)
		repPred, repTrue = append(repPred, a.Reporter), append(repTrue, t.Reporter)
	}
	rep.Unmatched += len(truth) - len(seen)
	rep.Precision = ratio(rep.TruePositives, rep.TruePositives+rep.FalsePositives)
	rep.Recall = ratio(rep.TruePositives, rep.TruePositives+rep.FalseNegatives)
	if rep.Precision+rep.Recall > 0 {
		rep.F1 = 2 * rep.Precision * rep.Recall / (rep.Precision + rep.Recall)
	}
	rep.FalseFlagRate = ratio(rep.FalsePositives, rep.Genuine)
	rep.FalseFlagTargeted = ratio(falseTargeted, rep.GenuineTargeted)

	// ROC AUC by the rank-sum statistic, ties counted half.
	sort.Slice(sc, func(i, j int) bool { return sc[i].s < sc[j].s })
	var rankSum float64
	npos := 0
	for i := 0; i < len(sc); {
		j := i
		for j < len(sc) && sc[j].s == sc[i].s {
			j++
		}
		avg := float64(i+j+1) / 2 // ranks i+1..j
		for k := i; k < j; k++ {
			if sc[k].pos {
				rankSum += avg
				npos++
			}
		}
		i = j
	}
	nneg := len(sc) - npos
	if npos > 0 && nneg > 0 {
		rep.AUC = (rankSum - float64(npos)*float64(npos+1)/2) / (float64(npos) * float64(nneg))
	}
	rep.FamilyPairs = pairScore(famPred, famTrue)
	rep.ReporterPairs = pairScore(repPred, repTrue)
	return rep
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// pairScore counts pairs through the contingency table of predicted and
// true clusters, so it runs in linear time however large the clusters.
func pairScore(pred, truth []string) PairScore {
	c2 := func(n int64) int64 { return n * (n - 1) / 2 }
	pc, tc, both := map[string]int64{}, map[string]int64{}, map[[2]string]int64{}
	for i := range pred {
		pc[pred[i]]++
		tc[truth[i]]++
		both[[2]string{pred[i], truth[i]}]++
	}
	var ps PairScore
	var tp int64
	for _, n := range pc {
		ps.PredPairs += c2(n)
	}
	for _, n := range tc {
		ps.TruePairs += c2(n)
	}
	for _, n := range both {
		tp += c2(n)
	}
	if ps.PredPairs > 0 {
		ps.Precision = float64(tp) / float64(ps.PredPairs)
	}
	if ps.TruePairs > 0 {
		ps.Recall = float64(tp) / float64(ps.TruePairs)
	}
	if ps.Precision+ps.Recall > 0 {
		ps.F1 = 2 * ps.Precision * ps.Recall / (ps.Precision + ps.Recall)
	}
	return ps
}

// WriteText writes the report for a person to read.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "referrals             %d (campaign %d, genuine %d; unmatched %d)\n", r.Referrals, r.Campaign, r.Genuine, r.Unmatched)
	fmt.Fprintf(&b, "campaign              precision %.4f  recall %.4f  F1 %.4f  ROC AUC %.4f  (TP %d FP %d FN %d)\n",
		r.Precision, r.Recall, r.F1, r.AUC, r.TruePositives, r.FalsePositives, r.FalseNegatives)
	fmt.Fprintf(&b, "false flags           %.4f of genuine referrals (%d/%d)\n", r.FalseFlagRate, r.FalsePositives, r.Genuine)
	fmt.Fprintf(&b, "false flags targeted  %.4f of genuine referrals about targeted families (of %d)\n", r.FalseFlagTargeted, r.GenuineTargeted)
	fmt.Fprintf(&b, "immediate danger      %d referrals, %d rated below immediate\n", r.ImmediateDanger, r.ImmediateBelow)
	fmt.Fprintf(&b, "family links          pairwise precision %.4f  recall %.4f  F1 %.4f\n", r.FamilyPairs.Precision, r.FamilyPairs.Recall, r.FamilyPairs.F1)
	fmt.Fprintf(&b, "reporter links        pairwise precision %.4f  recall %.4f  F1 %.4f\n", r.ReporterPairs.Precision, r.ReporterPairs.Recall, r.ReporterPairs.F1)
	if len(r.FalseFlagsByKind) > 0 {
		fmt.Fprintf(&b, "false flags by kind   %v\n", r.FalseFlagsByKind)
	}
	if len(r.MissedByKind) > 0 {
		fmt.Fprintf(&b, "missed by kind        %v\n", r.MissedByKind)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
