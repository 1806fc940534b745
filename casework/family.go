package casework

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"time"

	"bonafide"
)

// EpisodeGap is how close in time flagged referrals of a family must be
// to count as one campaign episode: each within this of the one before.
const EpisodeGap = 30 * 24 * time.Hour

// Chronology entry kinds, what happened.
const (
	EntryReceived            = "referral_received"
	EntryAssigned            = "assigned"
	EntryDecided             = "decided"
	EntrySignOffAsked        = "sign_off_asked"
	EntrySignedOff           = "signed_off"
	EntrySignOffRejected     = "sign_off_rejected"
	EntryFound               = "found"
	EntryClosed              = "closed"
	EntryReopened            = "reopened"
	EntryNotificationPlanned = "notification_planned"
	EntryNotificationHeld    = "notification_held"
	EntryNotificationSent    = "notification_sent"
	EntryNotificationRetract = "notification_retracted"
	EntryLetterCreated       = "letter_created"
)

// FamilyEntry is one thing that happened to a family's referrals.
type FamilyEntry struct {
	At         time.Time
	ReferralID string
	Kind       string // one of the Entry… kinds
	Detail     string // what, in words: the decision, finding, agency, letter
	// Episode numbers the campaign episode (1, 2, …) the referral is
	// part of, or 0 for none.
	Episode int
}

// Episode is a run of flagged referrals of a family close in time.
type Episode struct {
	N         int
	From, To  time.Time
	Referrals []string
}

// LinkedPost is a public or forum post triage linked to a referral of
// the family, with the signal that linked it.
type LinkedPost struct {
	ID         string
	Type       bonafide.RecordType
	ReferralID string
	Signal     string
	Evidence   string
	Post       bonafide.Record // *bonafide.PublicPost or *bonafide.ForumPost; nil when not stored here
}

// FamilyReferral is one referral of the family with its case.
type FamilyReferral struct {
	Row      bonafide.CaseRow
	Referral *bonafide.Referral // without its reporter
}

// FamilyPage is everything the agency holds about one family: each
// referral with its case, one chronology of what happened, the campaign
// episodes and the posts triage linked.
type FamilyPage struct {
	Family     string
	Restricted bool
	// Named says whether the actor may see the family's names; when not,
	// the face withholds them (names, dates, addresses, free text, posts).
	Named      bool
	Referrals  []FamilyReferral
	Chronology []FamilyEntry
	Episodes   []Episode
	Posts      []LinkedPost
	// Views lists, for a team manager, the latest views of a restricted
	// family (who, what, when, whether names were shown), newest first.
	Views []bonafide.RestrictedView
}

// MaxViewsListed bounds the views a family's page lists.
const MaxViewsListed = 200

// NoteView keeps a's view (an audit action such as "referral.read") of a
// restricted family's case row for its team manager's list; nothing for an
// unrestricted family.
func (s *Service) NoteView(ctx context.Context, a Actor, row bonafide.CaseRow, what string, named bool) error {
	if !row.Restricted || row.Family == "" {
		return nil
	}
	return s.Cases.RecordView(ctx, bonafide.RestrictedView{Family: row.Family, ReferralID: row.ReferralID, Who: a.Who, What: what,
		At: s.now(), NamesShown: named})
}

// Family returns the page of family (triage's family id): every referral
// with its case, the chronology of their receipt, decisions, findings,
// closures, notifications and letters in time order, the campaign
// episodes, and the posts triage linked. The view is audited, saying
// through which face it was asked (via: "the API", "the web interface")
// and whether the names were withheld.
func (s *Service) Family(ctx context.Context, a Actor, family, via string) (FamilyPage, error) {
	if err := can(a, bonafide.PermCaseRead); err != nil {
		return FamilyPage{}, err
	}
	rows, err := s.familyRows(ctx, family)
	if err != nil {
		return FamilyPage{}, err
	}
	if len(rows) == 0 {
		return FamilyPage{}, bonafide.Errorf(bonafide.ENotFound, "no family %q", family)
	}
	slices.SortFunc(rows, func(x, y bonafide.CaseRow) int {
		return cmp.Or(x.ReceivedAt.Compare(y.ReceivedAt), cmp.Compare(x.Seq, y.Seq))
	})
	p := FamilyPage{Family: family, Named: mayNameRows(a, rows), Chronology: []FamilyEntry{}, Episodes: []Episode{}, Posts: []LinkedPost{}}
	for _, r := range rows {
		p.Restricted = p.Restricted || r.Restricted
	}
	if via == "" {
		via = "an unnamed face"
	}
	why := "viewed through " + via
	switch {
	case p.Restricted && p.Named:
		why += " (restricted family)"
	case p.Restricted:
		why += " (restricted family: names withheld)"
	}
	if err := s.audit(ctx, a.Who, "family.read", family, fmt.Sprintf("%s: %d referrals", why, len(rows))); err != nil {
		return FamilyPage{}, err
	}
	if p.Restricted {
		if err := s.Cases.RecordView(ctx, bonafide.RestrictedView{Family: family, Who: a.Who, What: "family.read", At: s.now(), NamesShown: p.Named}); err != nil {
			return FamilyPage{}, err
		}
		if a.Role.Can(bonafide.PermSignOff) {
			if p.Views, err = s.Cases.Views(ctx, family, MaxViewsListed); err != nil {
				return FamilyPage{}, err
			}
		}
	}
	episode := episodes(rows, &p)
	for _, row := range rows {
		fr := FamilyReferral{Row: row}
		if s.Referrals != nil {
			st, err := s.Referrals.ReferralByID(ctx, row.ReferralID)
			if err != nil {
				return FamilyPage{}, fmt.Errorf("family %s: %w", family, err)
			}
			if ref, ok := st.Record.(*bonafide.Referral); ok {
				shown := *ref
				shown.Reporter = nil
				fr.Referral = &shown
			}
		}
		p.Referrals = append(p.Referrals, fr)
		entries, err := s.caseEntries(ctx, row)
		if err != nil {
			return FamilyPage{}, err
		}
		for i := range entries {
			entries[i].Episode = episode[row.ReferralID]
		}
		p.Chronology = append(p.Chronology, entries...)
		posts, err := s.linkedPosts(ctx, row.ReferralID)
		if err != nil {
			return FamilyPage{}, err
		}
		for _, lp := range posts {
			if !slices.ContainsFunc(p.Posts, func(o LinkedPost) bool { return o.ID == lp.ID && o.Type == lp.Type }) {
				p.Posts = append(p.Posts, lp)
			}
		}
	}
	slices.SortStableFunc(p.Chronology, func(x, y FamilyEntry) int { return x.At.Compare(y.At) })
	return p, nil
}

// episodes numbers the campaign episodes of rows (in order of receipt):
// runs of two or more flagged referrals, each within EpisodeGap of the
// flagged one before. It returns each episode referral's number.
func episodes(rows []bonafide.CaseRow, p *FamilyPage) map[string]int {
	out := map[string]int{}
	var run []bonafide.CaseRow
	flush := func() {
		if len(run) >= 2 {
			e := Episode{N: len(p.Episodes) + 1, From: run[0].ReceivedAt, To: run[len(run)-1].ReceivedAt}
			for _, r := range run {
				e.Referrals = append(e.Referrals, r.ReferralID)
				out[r.ReferralID] = e.N
			}
			p.Episodes = append(p.Episodes, e)
		}
		run = nil
	}
	for _, r := range rows {
		if !r.Flagged {
			continue
		}
		if len(run) > 0 && r.ReceivedAt.Sub(run[len(run)-1].ReceivedAt) > EpisodeGap {
			flush()
		}
		run = append(run, r)
	}
	flush()
	return out
}

// caseEntries returns the chronology entries of one referral's case.
func (s *Service) caseEntries(ctx context.Context, row bonafide.CaseRow) ([]FamilyEntry, error) {
	id := row.ReferralID
	detail := "received by " + string(row.Channel)
	if row.Flagged {
		detail += "; flagged by triage as part of a suspected campaign"
	}
	out := []FamilyEntry{{At: row.ReceivedAt, ReferralID: id, Kind: EntryReceived, Detail: detail}}
	events, err := s.Cases.CaseEvents(ctx, id)
	if err != nil {
		return nil, err
	}
	var pending *bonafide.CaseEvent
	for _, e := range events {
		en := FamilyEntry{At: e.At, ReferralID: id}
		switch e.Action {
		case bonafide.ActAssign:
			en.Kind, en.Detail = EntryAssigned, "assigned to "+e.Worker
		case bonafide.ActDecide, bonafide.ActFind:
			en.Kind, en.Detail = decidedOrFound(e)
			if e.SignOff != "" {
				p := e
				pending = &p
				en.Kind, en.Detail = EntrySignOffAsked, en.Detail+" (awaits a team manager: "+e.SignOff+")"
			}
		case bonafide.ActApprove:
			if pending == nil {
				continue
			}
			kind, d := decidedOrFound(*pending)
			out = append(out, FamilyEntry{At: e.At, ReferralID: id, Kind: EntrySignedOff, Detail: d + " signed off"})
			en.Kind, en.Detail = kind, d
			pending = nil
		case bonafide.ActReject:
			en.Kind, en.Detail = EntrySignOffRejected, "sent back by a team manager"
			pending = nil
		case bonafide.ActClose:
			en.Kind, en.Detail = EntryClosed, "closed "+string(e.Closure)
		case bonafide.ActReopen:
			en.Kind, en.Detail = EntryReopened, "reopened"
		default:
			continue
		}
		out = append(out, en)
	}
	notes, err := s.Cases.Notifications(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, n := range notes {
		what := fmt.Sprintf("%s %s (%s)", n.Agency, n.Kind, n.Basis)
		switch {
		case n.Kind == bonafide.NoteRetraction:
			out = append(out, FamilyEntry{At: n.Planned, ReferralID: id, Kind: EntryNotificationRetract,
				Detail: fmt.Sprintf("retraction to the %s of notification %d planned", n.Agency, n.RetractionOf)})
		case n.HeldReason != "": // held now, or held until the case closed and it was withdrawn
			d := what + " held: " + n.HeldReason
			if n.Status == bonafide.NoteWithdrawn {
				d += "; withdrawn unsent when the case closed"
			}
			out = append(out, FamilyEntry{At: n.Planned, ReferralID: id, Kind: EntryNotificationHeld, Detail: d})
		default:
			d := what
			if n.Status == bonafide.NoteWithdrawn {
				d += "; withdrawn unsent when the case closed"
			}
			out = append(out, FamilyEntry{At: n.Planned, ReferralID: id, Kind: EntryNotificationPlanned, Detail: d})
		}
		if n.Status == bonafide.NoteSent {
			out = append(out, FamilyEntry{At: n.Sent, ReferralID: id, Kind: EntryNotificationSent, Detail: what + " sent by " + n.SentBy})
		}
	}
	letters, err := s.Cases.Letters(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, l := range letters {
		out = append(out, FamilyEntry{At: l.Created, ReferralID: id, Kind: EntryLetterCreated,
			Detail: fmt.Sprintf("%s letter %d to %s", l.Kind, l.ID, l.Recipient)})
	}
	return out, nil
}

func decidedOrFound(e bonafide.CaseEvent) (kind, detail string) {
	if e.Action == bonafide.ActFind {
		return EntryFound, "found " + string(e.Finding)
	}
	d := "decided " + string(e.Decision)
	if e.Departs {
		d += ", departing from the triage recommendation"
	}
	return EntryDecided, d
}

// postRE finds the posts a campaign reason's evidence names: triage
// writes "public post ID on …", "in post ID (…" and "forum post ID on …".
var postRE = regexp.MustCompile(`\b(public post|in post|forum post) ([^\s(]+)`)

// linkedPosts returns the posts triage's campaign assessment of referral
// id linked, from its reasons' evidence.
func (s *Service) linkedPosts(ctx context.Context, id string) ([]LinkedPost, error) {
	if s.Assessments == nil {
		return nil, nil
	}
	a, err := s.Assessments.Assessment(ctx, id)
	if bonafide.ErrorCode(err) == bonafide.ENotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out struct {
		Campaign struct {
			Reasons []struct {
				Signal   string `json:"signal"`
				Evidence string `json:"evidence"`
			} `json:"reasons"`
		} `json:"campaign"`
	}
	if err := json.Unmarshal(a.Output, &out); err != nil {
		return nil, fmt.Errorf("assessment of %s: %w", id, err)
	}
	var posts []LinkedPost
	for _, r := range out.Campaign.Reasons {
		for _, m := range postRE.FindAllStringSubmatch(r.Evidence, -1) {
			lp := LinkedPost{ID: m[2], Type: bonafide.TypePublicPost, ReferralID: id, Signal: r.Signal, Evidence: r.Evidence}
			if m[1] == "forum post" {
				lp.Type = bonafide.TypeForumPost
			}
			if s.Families != nil && s.Referrals != nil {
				if seq, ok := s.Families.post(lp.ID); ok {
					st, err := s.Referrals.Get(ctx, seq)
					if err != nil {
						return nil, fmt.Errorf("post %s: %w", lp.ID, err)
					}
					if st.Record.RecordType() == lp.Type {
						lp.Post = st.Record
					}
				}
			}
			posts = append(posts, lp)
		}
	}
	return posts, nil
}
