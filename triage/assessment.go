package triage

import "time"

// Assessment is the triage result for one referral: the output object of
// the interchange format's "Triage output" section, and what the store
// keeps with the referral.
type Assessment struct {
	ReferralID     string    `json:"referral_id"`
	Family         string    `json:"family"`
	Reporter       string    `json:"reporter"`
	Safety         Safety    `json:"safety"`
	Campaign       Campaign  `json:"campaign"`
	Recommendation string    `json:"recommendation"`
	DecisionDue    time.Time `json:"decision_due"`
	// RelayOf names the original referral when this one is a relay of the
	// same call by another agency; the relay is counted once, with it.
	RelayOf string `json:"relay_of,omitempty"`
	// ReporterLinks are the earlier referrals the reporter is linked to,
	// as the signals reporter_repeat and reporter_prior_false counted
	// them; the reporter-links route of the API answers from it.
	ReporterLinks ReporterLinks `json:"reporter_links"`

	features Features // the signal values, for fitting the model
}

// Features returns the signal values the score was computed from, in the
// order of [Signals], so that a model can be fitted on labelled streams.
func (a *Assessment) Features() Features { return a.features }

// ReporterLinks are the earlier referrals linked to a referral's reporter:
// those of every family that triage's reporter linkage (device, e-mail
// and its variants, phone, full name with an organisation or an address,
// the same full name about the same family; for a named professional
// only name with organisation and an e-mail address bearing their family
// name; never a network address) puts with this one, received strictly
// before it, among the referrals triaged before it. A relay is its
// original's call: it is never counted as a referral of its own, and its
// links are its original's. The ids name referrals, never the reporter,
// who stays sealed in each.
type ReporterLinks struct {
	// Linked counts them, across all families.
	Linked int `json:"linked"`
	// AboutFamily counts those about this referral's family (among its
	// newest 200 referrals, the history every signal about a family
	// weighs): what reporter_repeat counts.
	AboutFamily int `json:"about_family"`
	// Referrals names them, newest first (in the order triaged), at
	// most [MaxLinkedNamed].
	Referrals []LinkedReferral `json:"referrals"`
}

// MaxLinkedNamed bounds how many linked earlier referrals an assessment
// names (the newest), so that a busy professional's every referral does
// not carry a list of all their others; the counts are always whole.
const MaxLinkedNamed = 100

// LinkedReferral is one earlier referral linked to the reporter.
type LinkedReferral struct {
	ID string `json:"id"`
	// AboutFamily is set when it concerns the same family.
	AboutFamily bool `json:"about_family,omitempty"`
}

// Campaign is how strongly a referral looks part of a malicious or
// vexatious pattern, and why.
type Campaign struct {
	Score   float64  `json:"score"`
	Flagged bool     `json:"flagged"`
	Reasons []Reason `json:"reasons"`
}

// Reason is one signal that contributed to a campaign score, with its
// contribution to the log-odds and evidence a social worker can check.
type Reason struct {
	Signal   Signal  `json:"signal"`
	Weight   float64 `json:"weight"`
	Evidence string  `json:"evidence"`
}

// Recommendations. None of them is "no action": every referral gets a
// decision by a qualified social worker.
const (
	RecommendImmediate = "Respond now: the reporter says a child is in danger now. Act on the safety concern first " +
		"(police or emergency duty team as needed); any campaign signals are for later and change nothing about this response."
	RecommendFlaggedHigh = "Decide promptly on the safety concern as described, which is high. The referral also shows " +
		"signs of a harassment campaign: make the enquiry proportionate — check what universal services (GP, health visitor, " +
		"school) already know, hold family notifications until that is done, and consider the harassment aspect with the police liaison."
	RecommendFlagged = "Proportionate enquiry: check what universal services (GP, health visitor, school) already know " +
		"before contacting the family, make no notifications until that is done, and consider the harassment aspect " +
		"with the police liaison. The reasons below show why this looks like part of a campaign."
	RecommendHigh     = "Decide promptly: the concern as described is serious. Screen for a strategy discussion or assessment."
	RecommendStandard = "Screen within the deadline: gather information from universal services and decide on the next step."
	RecommendLow      = "Screen within the deadline: the concern as described names no harm; consider advice or early help after checking with universal services."
)

func recommend(s Safety, flagged bool) string {
	switch {
	case s.Level == LevelImmediate:
		return RecommendImmediate
	case flagged && s.Level == LevelHigh:
		return RecommendFlaggedHigh
	case flagged:
		return RecommendFlagged
	case s.Level == LevelHigh:
		return RecommendHigh
	case s.Level == LevelLow:
		return RecommendLow
	}
	return RecommendStandard
}
