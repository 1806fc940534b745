package vault

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"bonafide"
	"bonafide/interchange"
)

// ReporterAAD returns the associated data that binds a sealed reporter to
// its referral: a reporter sealed for one referral ID fails to open under
// any other, so rows cannot be swapped between referrals in the database.
// It is the referral ID's bytes, exactly what the stores pass to
// [bonafide.Sealer], so that SealReporter and a store's own sealing agree.
func ReporterAAD(referralID string) []byte { return []byte(referralID) }

// A Vault is the Sealer the stores plug in.
var _ bonafide.Sealer = (*Vault)(nil)

// SealReporter encodes r as interchange JSON (every field, unknown ones
// too) and seals it for the referral with the given ID.
func (v *Vault) SealReporter(referralID string, r *bonafide.Reporter) ([]byte, error) {
	plain, err := interchange.AppendReporter(nil, r)
	if err != nil {
		// The encoder's error could quote a field; keep only that it failed.
		return nil, fmt.Errorf("seal reporter of %s: cannot encode", referralID)
	}
	defer clear(plain)
	sealed, err := v.Seal(plain, ReporterAAD(referralID))
	if err != nil {
		return nil, fmt.Errorf("seal reporter of %s: %w", referralID, err)
	}
	return sealed, nil
}

// OpenReporter opens a reporter SealReporter sealed for the same referral.
func (v *Vault) OpenReporter(referralID string, sealed []byte) (*bonafide.Reporter, error) {
	plain, err := v.Open(sealed, ReporterAAD(referralID))
	if err != nil {
		return nil, fmt.Errorf("open reporter of %s: %w", referralID, err)
	}
	defer clear(plain)
	r, err := interchange.UnmarshalReporter(plain)
	if err != nil {
		return nil, fmt.Errorf("open reporter of %s: cannot decode", referralID)
	}
	return r, nil
}

// TagIndex keeps the blind-index tags of each referral's reporter, so that
// linkage and triage can find reporters who share an identifier without
// decrypting anything. The stores implement it with one table
// (referral_id, kind, tag) indexed on (kind, tag); MemoryTagIndex is the
// in-memory version.
type TagIndex interface {
	// PutTags records the tags of a referral's reporter, replacing any
	// recorded before.
	PutTags(ctx context.Context, referralID string, tags []Tag) error

	// TagsOf returns the tags recorded for a referral, sorted; none (and no
	// error) for a referral without a reporter.
	TagsOf(ctx context.Context, referralID string) ([]Tag, error)

	// ReferralsWithTags returns, for each of tags, the IDs of the referrals
	// that carry it, sorted. Tags nobody carries are absent from the map.
	ReferralsWithTags(ctx context.Context, tags []Tag) (map[Tag][]string, error)
}

// IndexReporter computes the tags of a referral's reporter and records them
// in idx, replacing any recorded before. Intake calls it after storing the
// referral; a re-index after a change of normalisation calls it with each
// reporter opened again.
func (v *Vault) IndexReporter(ctx context.Context, idx TagIndex, referralID string, r *bonafide.Reporter) error {
	if err := idx.PutTags(ctx, referralID, v.Tags(r)); err != nil {
		return fmt.Errorf("index reporter of %s: %w", referralID, err)
	}
	return nil
}

// Shared is another referral whose reporter shares tags with the one asked
// about.
type Shared struct {
	ReferralID string
	Tags       []Tag // the tags in common, sorted
}

// Sharing returns the referrals, other than referralID itself, whose
// reporters share at least one tag with its reporter: most shared tags
// first, then by ID. It is the question "has this reporter been here
// before?" answered without opening any sealed value.
func Sharing(ctx context.Context, idx TagIndex, referralID string) ([]Shared, error) {
	tags, err := idx.TagsOf(ctx, referralID)
	if err != nil {
		return nil, fmt.Errorf("sharing %s: %w", referralID, err)
	}
	if len(tags) == 0 {
		return nil, nil
	}
	hits, err := idx.ReferralsWithTags(ctx, tags)
	if err != nil {
		return nil, fmt.Errorf("sharing %s: %w", referralID, err)
	}
	by := map[string][]Tag{}
	for _, t := range tags {
		for _, id := range hits[t] {
			if id != referralID {
				by[id] = append(by[id], t)
			}
		}
	}
	out := make([]Shared, 0, len(by))
	for id, ts := range by {
		out = append(out, Shared{ReferralID: id, Tags: ts})
	}
	slices.SortFunc(out, func(a, b Shared) int {
		if len(a.Tags) != len(b.Tags) {
			return len(b.Tags) - len(a.Tags)
		}
		if a.ReferralID < b.ReferralID {
			return -1
		}
		if a.ReferralID > b.ReferralID {
			return 1
		}
		return 0
	})
	return out, nil
}

// MemoryTagIndex is a TagIndex in memory, for tests and demo runs. The zero
// value is ready to use.
type MemoryTagIndex struct {
	mu    sync.RWMutex
	of    map[string][]Tag
	carry map[Tag][]string
}

// PutTags records tags for referralID.
func (m *MemoryTagIndex) PutTags(ctx context.Context, referralID string, tags []Tag) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.of == nil {
		m.of, m.carry = map[string][]Tag{}, map[Tag][]string{}
	}
	for _, t := range m.of[referralID] {
		m.carry[t] = slices.DeleteFunc(m.carry[t], func(id string) bool { return id == referralID })
		if len(m.carry[t]) == 0 {
			delete(m.carry, t)
		}
	}
	ts := slices.Clone(tags)
	slices.SortFunc(ts, compareTags)
	ts = slices.Compact(ts)
	m.of[referralID] = ts
	for _, t := range ts {
		ids := m.carry[t]
		i, _ := slices.BinarySearch(ids, referralID)
		m.carry[t] = slices.Insert(ids, i, referralID)
	}
	return nil
}

// TagsOf returns the tags recorded for referralID.
func (m *MemoryTagIndex) TagsOf(ctx context.Context, referralID string) ([]Tag, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return slices.Clone(m.of[referralID]), nil
}

// ReferralsWithTags returns the referrals carrying each tag.
func (m *MemoryTagIndex) ReferralsWithTags(ctx context.Context, tags []Tag) (map[Tag][]string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := map[Tag][]string{}
	for _, t := range tags {
		if ids := m.carry[t]; len(ids) > 0 {
			out[t] = slices.Clone(ids)
		}
	}
	return out, nil
}
