package casework

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"bonafide"
	"bonafide/linkage"
)

// FamilyQuery is what a family search gives: any of a person's names
// (given then family name, "William Smith"; one word is tried as either),
// a date of birth (YYYY-MM-DD, YYYY-MM or YYYY), a postcode (with or
// without its space), an NHS number (spaces allowed) and a social handle
// (with or without @, "instagram:@name" naming the platform). Names block
// with a surname, so a given name alone finds nothing; every other field
// may be given alone.
type FamilyQuery struct {
	Name     string
	DOB      string
	Postcode string
	NHS      string
	Handle   string
	// Limit is how many families to return (20 when 0, at most
	// MaxFamilyResults).
	Limit int
}

// MaxFamilyResults bounds one search's families.
const MaxFamilyResults = 100

// maxSearchHits bounds the referrals one search reads the cases of: the
// best ones, which fill the families asked for many times over.
const maxSearchHits = 500

// MinSearchWeight is the match weight (log2 of the likelihood ratio) a
// person must reach to be a hit: an identifier (NHS number, handle, full
// postcode) or two fields agreeing well (a surname with a nickname or a
// one-letter typo of the given name, a surname with a month of birth),
// not a given name with a surname that only sounds alike (8.6), which
// common names match by the hundred.
const MinSearchWeight = 9.0

// fields returns the names of the fields q gives, for the audit entry.
func (q FamilyQuery) fields() []string {
	var out []string
	for _, f := range []struct{ name, v string }{{"name", q.Name}, {"dob", q.DOB}, {"postcode", q.Postcode}, {"nhs", q.NHS}, {"handle", q.Handle}} {
		if strings.TrimSpace(f.v) != "" {
			out = append(out, f.name)
		}
	}
	return out
}

// Check returns an error with code EInvalid naming what is wrong with q.
func (q FamilyQuery) Check() error {
	if len(q.fields()) == 0 {
		return bonafide.Errorf(bonafide.EInvalid, "search: give at least one of name, dob, postcode, nhs, handle")
	}
	if q.DOB != "" {
		if _, err := bonafide.ParsePartialDate(strings.TrimSpace(q.DOB)); err != nil {
			return bonafide.Errorf(bonafide.EInvalid, "dob: %v", err)
		}
	}
	for _, v := range []string{q.Name, q.DOB, q.Postcode, q.NHS, q.Handle} {
		if len(v) > bonafide.MaxLabelLen {
			return bonafide.Errorf(bonafide.EInvalid, "search: a field longer than %d characters", bonafide.MaxLabelLen)
		}
	}
	if q.Limit < 0 || q.Limit > MaxFamilyResults {
		return bonafide.Errorf(bonafide.EInvalid, "limit: 1 to %d", MaxFamilyResults)
	}
	return nil
}

// FieldAgreement is one field that agreed between the search and a
// person: which, how (the linkage comparison level: exact, nickname,
// one_edit, same_year_month, sector, …) and what it weighed.
type FieldAgreement struct {
	Field  string
	Level  string
	Weight float64
}

// FamilyHit is one referral a search found: the person in it who matched
// best, how strongly, and which fields agreed.
type FamilyHit struct {
	ReferralID string
	Person     string // "child 1", "adult 2"
	Weight     float64
	Agreed     []FieldAgreement
	// Swapped says the person matched with given and family names the
	// other way round from the search.
	Swapped bool
	Row     bonafide.CaseRow
}

// FamilyResult is one family of a search: its referrals found, best
// first. For a restricted family the actor may not name, only Label and
// Total are set: "a restricted family (N referrals)".
type FamilyResult struct {
	Family     string // triage's family id; "" for a referral not yet triaged
	Restricted bool
	Named      bool
	Label      string
	Total      int // referrals of the family, found or not
	Weight     float64
	Hits       []FamilyHit
}

// FamilySearch is what a search returns: families, best match first.
type FamilySearch struct {
	Families []FamilyResult
	Searched int // person records searched
}

// SearchFamilies finds the referrals whose people match q, ranked by
// match weight and grouped by family, saying for each which fields agreed.
// Every search is audited (who, and the fields asked with their values;
// the reporter is never indexed or searched).
func (s *Service) SearchFamilies(ctx context.Context, a Actor, q FamilyQuery) (FamilySearch, error) {
	if err := can(a, bonafide.PermCaseRead); err != nil {
		return FamilySearch{}, err
	}
	if s.Families == nil {
		return FamilySearch{}, bonafide.Errorf(bonafide.EUnavailable, "this server keeps no family search index")
	}
	if err := q.Check(); err != nil {
		return FamilySearch{}, err
	}
	if err := s.audit(ctx, a.Who, "family.search", "", searchSummary(q)); err != nil {
		return FamilySearch{}, err
	}
	// Whatever is stored is searched: a referral the API has just taken,
	// or one imported by another process, may not be indexed yet, and a
	// search that missed an earlier referral would say there was none.
	if s.Referrals != nil {
		if _, err := s.Families.Sync(ctx, s.Referrals); err != nil {
			if s.Logger != nil {
				s.Logger.Error("family search index not brought up to date", slog.Any("error", err))
			}
			return FamilySearch{}, bonafide.Errorf(bonafide.EUnavailable, "the family search cannot read the latest referrals; try again shortly")
		}
	}
	hits := s.Families.search(q)
	limit := q.Limit
	if limit == 0 {
		limit = 20
	}
	out := FamilySearch{Families: []FamilyResult{}, Searched: s.Families.Len()}
	byFamily := map[string]int{}
	if len(hits) > maxSearchHits {
		hits = hits[:maxSearchHits]
	}
	for _, h := range hits {
		row, err := s.Cases.CaseRow(ctx, h.ReferralID)
		if bonafide.ErrorCode(err) == bonafide.ENotFound {
			continue // stored without a case (a store older than the workflow)
		}
		if err != nil {
			return FamilySearch{}, err
		}
		h.Row = row
		key := row.Family
		if key == "" {
			key = "referral:" + row.ReferralID
		}
		i, ok := byFamily[key]
		if !ok {
			if len(out.Families) == limit {
				continue
			}
			i = len(out.Families)
			byFamily[key] = i
			out.Families = append(out.Families, FamilyResult{Family: row.Family, Weight: h.Weight, Named: true, Total: 1})
		}
		out.Families[i].Hits = append(out.Families[i].Hits, h)
	}
	for i := range out.Families {
		if err := s.describe(ctx, a, &out.Families[i]); err != nil {
			return FamilySearch{}, err
		}
	}
	return out, nil
}

// describe counts a found family's referrals and withholds a restricted
// family's from staff who may not name it.
func (s *Service) describe(ctx context.Context, a Actor, fr *FamilyResult) error {
	rows := []bonafide.CaseRow{fr.Hits[0].Row}
	if fr.Family != "" {
		var err error
		if rows, err = s.familyRows(ctx, fr.Family); err != nil {
			return err
		}
	}
	fr.Total = len(rows)
	for _, r := range rows {
		fr.Restricted = fr.Restricted || r.Restricted
	}
	fr.Named = mayNameRows(a, rows)
	if !fr.Named {
		fr.Label = fmt.Sprintf("a restricted family (%d referrals)", fr.Total)
		fr.Family, fr.Hits, fr.Weight = "", nil, 0
	}
	return nil
}

// mayNameRows reports whether a may see the names of the family whose
// cases are rows: an unrestricted family, or a restricted one whose case
// a works on (or a team manager).
func mayNameRows(a Actor, rows []bonafide.CaseRow) bool {
	restricted := false
	for _, r := range rows {
		if r.Restricted {
			restricted = true
			if MayNameFamily(a, r) {
				return true
			}
		}
	}
	return !restricted
}

// familyRows returns every case of family, in every state.
func (s *Service) familyRows(ctx context.Context, family string) ([]bonafide.CaseRow, error) {
	f := bonafide.QueueFilter{Family: family, States: bonafide.CaseStates, Limit: bonafide.MaxQueuePage}
	var rows []bonafide.CaseRow
	for {
		page, err := s.Cases.Queue(ctx, f, s.now())
		if err != nil {
			return nil, err
		}
		rows = append(rows, page.Rows...)
		f.Offset += len(page.Rows)
		if len(page.Rows) == 0 || f.Offset >= page.Total {
			return rows, nil
		}
	}
}

// searchSummary is a search's audit entry: the fields asked and their
// values, so that who looked for whom is on the record.
func searchSummary(q FamilyQuery) string {
	var parts []string
	for _, f := range []struct{ name, v string }{{"name", q.Name}, {"dob", q.DOB}, {"postcode", q.Postcode}, {"nhs", q.NHS}, {"handle", q.Handle}} {
		if v := strings.TrimSpace(f.v); v != "" {
			parts = append(parts, fmt.Sprintf("%s=%q", f.name, v))
		}
	}
	return "searched families by " + strings.Join(q.fields(), ", ") + ": " + strings.Join(parts, " ")
}

// queries returns the index queries of q: the names as given, and the
// other way round (a stranger swaps them, or gives one name that may be
// either).
func (f *Families) queries(q FamilyQuery) (recs []linkage.Record, swapped []bool) {
	words := strings.Fields(q.Name)
	given, family := "", ""
	switch len(words) {
	case 0:
	case 1:
		family = words[0]
	default:
		given, family = strings.Join(words[:len(words)-1], " "), words[len(words)-1]
	}
	base := []string{given, family, strings.TrimSpace(q.DOB), q.NHS, q.Postcode, q.Handle}
	recs = append(recs, f.idx.Prepare("query", base))
	swapped = append(swapped, false)
	if len(words) > 0 {
		other := slices.Clone(base)
		other[0], other[1] = family, given
		if len(words) == 1 {
			other[0], other[1] = words[0], ""
		}
		recs = append(recs, f.idx.Prepare("query", other))
		swapped = append(swapped, len(words) > 1)
	}
	return recs, swapped
}

// search returns one hit per referral, best first: its best-matching
// person over the queries of q.
func (f *Families) search(q FamilyQuery) []FamilyHit {
	recs, swapped := f.queries(q)
	minProb := f.model.Probability(MinSearchWeight)
	best := map[string]FamilyHit{}
	for k, rec := range recs {
		for _, m := range f.idx.Query(rec, minProb, maxSearchHits) {
			ref, person := splitRecordID(m.RecordID)
			if b, ok := best[ref]; ok && b.Weight >= m.Weight {
				continue
			}
			h := FamilyHit{ReferralID: ref, Person: personLabel(person), Weight: m.Weight, Swapped: swapped[k]}
			for _, fs := range m.Why.Fields {
				if fs.Level != "null" && fs.Weight > 0 {
					h.Agreed = append(h.Agreed, FieldAgreement{Field: fs.Field, Level: fs.Level, Weight: fs.Weight})
				}
			}
			best[ref] = h
		}
	}
	out := make([]FamilyHit, 0, len(best))
	for _, h := range best {
		out = append(out, h)
	}
	slices.SortFunc(out, func(a, b FamilyHit) int {
		if c := cmp.Compare(b.Weight, a.Weight); c != 0 {
			return c
		}
		return strings.Compare(a.ReferralID, b.ReferralID)
	})
	return out
}

// personLabel names a person of a referral for a hit: "child 1", "adult 2".
func personLabel(p string) string {
	if len(p) < 2 {
		return p
	}
	n := 0
	for _, c := range p[1:] {
		n = n*10 + int(c-'0')
	}
	switch p[0] {
	case 'c':
		return fmt.Sprintf("child %d", n+1)
	case 'a':
		return fmt.Sprintf("adult %d", n+1)
	}
	return p
}

// FamilyCases returns the case of every referral of family, in every
// state, for a service that acts on the family (the evidence intake
// re-assesses its open referrals): rows only, which name nobody, so the
// read is not audited as a view; the caller audits what it does. It
// fails with ENotFound when no referral is of family.
func (s *Service) FamilyCases(ctx context.Context, a Actor, family string) ([]bonafide.CaseRow, error) {
	if err := can(a, bonafide.PermCaseRead); err != nil {
		return nil, err
	}
	rows, err := s.familyRows(ctx, family)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, bonafide.Errorf(bonafide.ENotFound, "no family %q", family)
	}
	return rows, nil
}
