// Package evidence is the agency's side of the family's evidence locker
// (package locker): staff take in a bundle a family gave them, bonafide
// verifies it with nothing but its bytes, files its posts and forum posts
// as public_post and forum_post records with their provenance, attaches
// its dossier to the family's case, and judges the family's open
// referrals again with the posts known.
//
// The API (POST /api/v1/families/{family}/evidence) and the web
// interface's upload screen both call [Service.TakeIn], so that the two
// follow one rule: a bundle that does not verify entirely is refused with
// every problem named, and nothing is filed.
//
// # Re-assessment
//
// A referral's stored assessment is what triage knew when it arrived.
// The family's posts usually predate the referrals that restate them but
// reach the agency later, so the triage service, which reads records in
// the order they were stored, would never weigh them. TakeIn replays every
// stored record in the order of its own time (a post posted before a
// referral counts for it) through a fresh engine, and stores a new
// campaign assessment of each open referral of the family whose campaign
// judgement changed, under an engine name that cites the bundle. The
// earlier assessment is kept beside it (assessments are never changed);
// readers take the latest, so the referral page and the queue show the
// new flag and its reasons, quoting the family's posts. The safety level
// is the referral's alone and cannot change.
package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"slices"
	"time"

	"bonafide"
	"bonafide/auditlog"
	"bonafide/casework"
	"bonafide/interchange"
	"bonafide/locker"
	"bonafide/triage"
)

// DefaultMaxBytes bounds a bundle when Service.MaxBytes is zero.
const DefaultMaxBytes = 64 << 20

// Service takes in families' evidence bundles. Its fields are set once,
// before use; it is safe for concurrent use.
type Service struct {
	// Cases is the case workflow: the family's cases and where the
	// bundle's dossier is attached. Required.
	Cases *casework.Service
	// Store keeps the records the bundle's posts are filed as. Required.
	Store bonafide.Store
	// Assessments stores the re-assessments. Without it, or without
	// Triage, nothing is re-assessed.
	Assessments bonafide.AssessmentStore
	// Triage is the configuration the family's open referrals are judged
	// again with (the triage service's own).
	Triage *triage.Config
	// Engine names the triage engine (live.Version of Triage); a
	// re-assessment's engine is this and the bundle's digest.
	Engine string
	// Audit records each bundle taken in, before it is filed. Required:
	// nothing is filed that the log cannot record.
	Audit casework.AuditLog
	// MaxBytes bounds a bundle (DefaultMaxBytes if zero); callers read
	// at most this many bytes of an upload before they call TakeIn.
	MaxBytes int64
	// Filed, when set, is called after the bundle's records are stored,
	// to wake the triage service and bring the family search index up to
	// date.
	Filed func(ctx context.Context)
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Limit returns the largest bundle the service takes, in bytes.
func (s *Service) Limit() int64 {
	if s.MaxBytes > 0 {
		return s.MaxBytes
	}
	return DefaultMaxBytes
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// FiledPost is one post of the bundle filed as a record.
type FiledPost struct {
	ID      string
	Type    bonafide.RecordType
	Exhibit string // "E2"
	Title   string // the exhibit's title in the family's locker
	When    time.Time
}

// Reassessment is a referral of the family judged again with the
// bundle's posts known, beside what was stored before.
type Reassessment struct {
	ReferralID    string
	StoredFlagged bool
	StoredScore   float64
	Flagged       bool
	Score         float64
	Reasons       []triage.Reason
	// Stored says whether the new judgement was stored (it differs from
	// the one before).
	Stored bool
}

// Result is what taking in a bundle did.
type Result struct {
	Family        string
	Evidence      int64 // the bundle's id among the family's evidence
	BundleSHA256  string
	VerifierKey   string
	Exhibits      []locker.ExhibitCheck
	Filed         []FiledPost
	AlreadyFiled  int // posts of the bundle the store held already
	DossierSHA256 string
	Reassessed    []Reassessment
}

// RefusedError is a bundle that did not verify: every problem found,
// each naming its exhibit and file when there is one. Nothing was filed.
// It unwraps to a *bonafide.ValidationError, whose errors name the
// exhibit and file as their field, for the API's problem+json.
type RefusedError struct {
	Problems []locker.Problem
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("the bundle does not verify (%d problems); nothing was filed", len(e.Problems))
}

// Unwrap returns the problems as a validation error.
func (e *RefusedError) Unwrap() error {
	ve := &bonafide.ValidationError{}
	for _, p := range e.Problems {
		field := p.Path
		if p.Exhibit != "" {
			field = "exhibit " + p.Exhibit + ": " + p.Path
		}
		ve.Errors = append(ve.Errors, bonafide.FieldError{Field: field, Reason: p.Reason})
	}
	return ve
}

// TakeIn verifies bundle (a locker bundle's bytes; verifierKey, if not
// empty, the key the family gave separately, which must have signed it)
// and, when every hash, signature, time-stamp and proof holds, files its
// posts, attaches its dossier to family's case and re-assesses the
// family's open referrals. via names the face asking ("the web
// interface"), for the audit entry. Errors: EForbidden without
// PermLockerImport; ENotFound for an unknown family; ETooLarge over
// Limit; EInvalid for bytes that are not a zip; a *RefusedError for a
// bundle that does not verify (both refusals audited, "locker.refuse");
// EConflict for a bundle taken in for the
// family before; EUnavailable when the audit log cannot be written.
func (s *Service) TakeIn(ctx context.Context, a casework.Actor, family string, bundle []byte, verifierKey, via string) (Result, error) {
	if !a.Role.Can(bonafide.PermLockerImport) {
		return Result{}, bonafide.Errorf(bonafide.EForbidden, "a %s may not %s", a.Role, bonafide.PermLockerImport)
	}
	rows, err := s.Cases.FamilyCases(ctx, a, family)
	if err != nil {
		return Result{}, err
	}
	if int64(len(bundle)) > s.Limit() {
		return Result{}, bonafide.Errorf(bonafide.ETooLarge, "the bundle is larger than %d bytes", s.Limit())
	}
	if len(bundle) == 0 {
		return Result{}, bonafide.Errorf(bonafide.EInvalid, "bundle: the file is empty")
	}
	sum := sha256.Sum256(bundle)
	rep, err := locker.Verify(bytes.NewReader(bundle), int64(len(bundle)), verifierKey)
	if err != nil {
		return Result{}, s.refused(ctx, a, family, sum, via, err.Error(), err)
	}
	if !rep.OK() {
		p := rep.Problems[0]
		first := p.Path + ": " + p.Reason
		if p.Exhibit != "" {
			first = "exhibit " + p.Exhibit + ", " + first
		}
		return Result{}, s.refused(ctx, a, family, sum, via, fmt.Sprintf("%d problem(s), the first %s", len(rep.Problems), first), &RefusedError{Problems: rep.Problems})
	}
	out := Result{Family: family, BundleSHA256: hex.EncodeToString(sum[:]), VerifierKey: rep.Manifest.VerifierKey,
		Exhibits: rep.Exhibits, Filed: []FiledPost{}, Reassessed: []Reassessment{}}
	if rep.Dossier != nil {
		d := sha256.Sum256(rep.Dossier)
		out.DossierSHA256 = hex.EncodeToString(d[:])
	}
	earlier, err := s.Cases.Cases.Evidence(ctx, family)
	if err != nil {
		return Result{}, err
	}
	for _, e := range earlier {
		if e.BundleSHA256 == out.BundleSHA256 {
			return Result{}, bonafide.Errorf(bonafide.EConflict, "this bundle was taken in for family %s already (evidence %d, %s)", family, e.ID, e.ReceivedAt.Format("2 January 2006"))
		}
	}
	have, err := s.posts(ctx)
	if err != nil {
		return Result{}, err
	}
	exhibit := map[string]locker.Exhibit{}
	for _, ex := range rep.Manifest.Exhibits {
		exhibit[ex.Number] = ex
	}
	var jsonl bytes.Buffer
	enc := interchange.NewWriter(&jsonl)
	var recs int
	for _, rec := range rep.Records() {
		id, when := postOf(rec)
		if id != "" && have[id] {
			out.AlreadyFiled++
			continue
		}
		if err := enc.Write(rec); err != nil {
			return Result{}, fmt.Errorf("file bundle: %w", err)
		}
		recs++
		if id != "" {
			fp := FiledPost{ID: id, Type: rec.RecordType(), When: when}
			if n := provenanceExhibit(rec); n != "" {
				fp.Exhibit, fp.Title = n, exhibit[n].Title
			}
			out.Filed = append(out.Filed, fp)
		}
	}
	if err := enc.Flush(); err != nil {
		return Result{}, fmt.Errorf("file bundle: %w", err)
	}
	if s.Audit == nil {
		return Result{}, bonafide.Errorf(bonafide.EUnavailable, "the audit log cannot be written; nothing was done")
	}
	if _, err := s.Audit.Append(ctx, auditlog.Entry{Who: a.Who, What: "locker.import", Object: family,
		Why: fmt.Sprintf("taking in bundle sha256:%s from locker %s through %s: %d exhibits verified, %d new posts to file, its dossier to attach",
			out.BundleSHA256, rep.Manifest.VerifierKey, via, len(rep.Exhibits), recs)}); err != nil {
		return Result{}, bonafide.Errorf(bonafide.EUnavailable, "the audit log cannot be written; nothing was done")
	}
	if out.Evidence, err = s.Cases.Cases.AddEvidence(ctx, bonafide.FamilyEvidence{Family: family, ReceivedAt: s.now(), Who: a.Who,
		BundleSHA256: out.BundleSHA256, VerifierKey: rep.Manifest.VerifierKey, Exhibits: len(rep.Exhibits),
		Dossier: rep.Dossier, DossierSHA256: out.DossierSHA256}); err != nil {
		return Result{}, err
	}
	if recs > 0 {
		if _, err := s.Store.Import(ctx, decoded(&jsonl)); err != nil {
			return Result{}, fmt.Errorf("file bundle: %w", err)
		}
	}
	if s.Filed != nil {
		s.Filed(ctx)
	}
	if s.Triage != nil && s.Assessments != nil {
		if out.Reassessed, err = s.reassess(ctx, rows, out.BundleSHA256); err != nil {
			return Result{}, err
		}
	}
	return out, nil
}

// refused records that a bundle offered for family was refused (why, in
// a line) and returns refusal, the error the caller gets: a damaged or
// forged bundle sent to the agency is itself evidence of what was tried,
// and the data protection officer's log should show every attempt, not
// only the bundles taken in. Nothing else is written. When the audit log
// cannot be written the caller is told that instead.
func (s *Service) refused(ctx context.Context, a casework.Actor, family string, sum [32]byte, via, why string, refusal error) error {
	if s.Audit == nil {
		return bonafide.Errorf(bonafide.EUnavailable, "the audit log cannot be written; the bundle was refused and nothing was done")
	}
	if _, err := s.Audit.Append(ctx, auditlog.Entry{Who: a.Who, What: "locker.refuse", Object: family,
		Why: fmt.Sprintf("refused bundle sha256:%s through %s: %s", hex.EncodeToString(sum[:]), via, why)}); err != nil {
		return bonafide.Errorf(bonafide.EUnavailable, "the audit log cannot be written; the bundle was refused and nothing was done")
	}
	return refusal
}

// decoded reads back the records the bundle's exhibits became, through
// the interchange reader, so that they meet every rule a file imported
// over the API meets.
func decoded(r io.Reader) iter.Seq2[bonafide.Record, error] {
	return func(yield func(bonafide.Record, error) bool) {
		rd := interchange.NewReader(r)
		for {
			rec, err := rd.Read()
			if errors.Is(err, io.EOF) {
				return
			}
			if !yield(rec, err) || err != nil {
				return
			}
		}
	}
}

// List returns the bundles taken in for family, oldest first, with what
// their verification found when they were taken in (only bundles that
// verified entirely are taken in). Errors: EForbidden without
// PermCaseRead; ENotFound for an unknown family.
func (s *Service) List(ctx context.Context, a casework.Actor, family string) ([]bonafide.FamilyEvidence, error) {
	if _, err := s.Cases.FamilyCases(ctx, a, family); err != nil {
		return nil, err
	}
	ev, err := s.Cases.Cases.Evidence(ctx, family)
	if err != nil {
		return nil, err
	}
	if ev == nil {
		ev = []bonafide.FamilyEvidence{}
	}
	return ev, nil
}

// posts returns the ids of the public and forum posts stored: the store
// does not refuse a post id twice, so the intake must.
func (s *Service) posts(ctx context.Context) (map[string]bool, error) {
	have := map[string]bool{}
	for st, err := range s.Store.Records(ctx, 0, 0) {
		if err != nil {
			return nil, fmt.Errorf("file bundle: %w", err)
		}
		if id, _ := postOf(st.Record); id != "" {
			have[id] = true
		}
	}
	return have, nil
}

func postOf(rec bonafide.Record) (string, time.Time) {
	switch v := rec.(type) {
	case *bonafide.PublicPost:
		return v.ID, v.PostedAt
	case *bonafide.ForumPost:
		return v.ID, v.PostedAt
	}
	return "", time.Time{}
}

// provenanceExhibit returns the exhibit number a filed post's provenance
// names.
func provenanceExhibit(rec bonafide.Record) string {
	var extra bonafide.Extra
	switch v := rec.(type) {
	case *bonafide.PublicPost:
		extra = v.Extra
	case *bonafide.ForumPost:
		extra = v.Extra
	}
	var p struct {
		Exhibit string `json:"exhibit"`
	}
	if raw, ok := extra["provenance"]; ok {
		json.Unmarshal(raw, &p)
	}
	return p.Exhibit
}

// reassess judges the family's open referrals (rows) again with every
// record the store holds, each on what was known at its received_at: the
// records are replayed in the order of their own times through a fresh
// engine. A referral whose campaign judgement changed gets a new
// campaign assessment, kept under the family id it had.
func (s *Service) reassess(ctx context.Context, rows []bonafide.CaseRow, bundle string) ([]Reassessment, error) {
	open := map[string]bonafide.CaseRow{}
	for _, r := range rows {
		if r.State.Open() {
			open[r.ReferralID] = r
		}
	}
	out := []Reassessment{}
	if len(open) == 0 {
		return out, nil
	}
	type rec struct {
		seq int64
		r   bonafide.Record
	}
	var all []rec
	for st, err := range s.Store.Records(ctx, 0, 0) {
		if err != nil {
			return nil, fmt.Errorf("re-assess: %w", err)
		}
		all = append(all, rec{st.Seq, st.Record})
	}
	slices.SortStableFunc(all, func(a, b rec) int { return a.r.RecordTime().Compare(b.r.RecordTime()) })
	e, err := triage.New(*s.Triage)
	if err != nil {
		return nil, fmt.Errorf("re-assess: %w", err)
	}
	engine := s.Engine
	if engine == "" {
		engine = "triage"
	}
	engine += " with evidence bundle sha256:" + bundle[:16]
	var put []bonafide.Assessment
	for _, r := range all {
		ta, err := e.Observe(r.r)
		if err != nil {
			return nil, fmt.Errorf("re-assess: %w", err)
		}
		if ta == nil {
			continue
		}
		row, ok := open[ta.ReferralID]
		if !ok {
			continue
		}
		ra := Reassessment{ReferralID: ta.ReferralID, StoredFlagged: row.Flagged, StoredScore: row.Score,
			Flagged: ta.Campaign.Flagged, Score: ta.Campaign.Score, Reasons: ta.Campaign.Reasons}
		if ra.Flagged != ra.StoredFlagged || math.Abs(ra.Score-ra.StoredScore) > 1e-9 {
			ta.Family = row.Family
			b, err := json.Marshal(ta)
			if err != nil {
				return nil, fmt.Errorf("re-assess %s: %w", ta.ReferralID, err)
			}
			put = append(put, bonafide.Assessment{ReferralID: ta.ReferralID, Seq: r.seq, SafetyLevel: string(ta.Safety.Level),
				Flagged: ta.Campaign.Flagged, Score: ta.Campaign.Score, DecisionDue: ta.DecisionDue, Engine: engine,
				Output: b, Kind: bonafide.KindCampaign, Family: row.Family})
			ra.Stored = true
		}
		out = append(out, ra)
	}
	slices.SortFunc(put, func(a, b bonafide.Assessment) int { return int(a.Seq - b.Seq) })
	if len(put) > 0 {
		if _, err := s.Assessments.PutAssessments(ctx, put); err != nil {
			return nil, fmt.Errorf("re-assess: store: %w", err)
		}
	}
	return out, nil
}
