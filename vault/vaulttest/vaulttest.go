// Package vaulttest holds the conformance suites of the vault's storage
// interfaces ([vault.KeyStore], [vault.TagIndex]) and of tagging at intake,
// which the SQLite and PostgreSQL stores run from their tests. It imports
// testing, so it lives apart from package vault, which the binary links.
package vaulttest

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"bonafide"
	"bonafide/vault"
)

// wrappedLen is the length of a wrapped data key as the vault writes it:
// version, key id, nonce, the key, GCM tag.
const wrappedLen = 1 + 8 + 12 + vault.KeySize + 16

// RunKeyStore checks that a KeyStore keeps its contract, and that a Vault
// seals, opens and rotates on it. open returns a new, empty store; it is
// called once per subtest. The SQLite and PostgreSQL stores run it from
// their tests.
func RunKeyStore(t *testing.T, open func(t *testing.T) vault.KeyStore) {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	key := func(b byte, p vault.Purpose) vault.WrappedKey {
		return vault.WrappedKey{ID: vault.KeyID{b}, Purpose: p, Created: t0.Add(time.Duration(b) * time.Second), Wrapped: bytes.Repeat([]byte{b}, wrappedLen)}
	}

	t.Run("empty", func(t *testing.T) {
		s := open(t)
		ks, err := s.Keys(ctx)
		if err != nil || len(ks) != 0 {
			t.Fatalf("Keys() = %d keys, %v; want 0, nil", len(ks), err)
		}
	})

	t.Run("add and read back", func(t *testing.T) {
		s := open(t)
		want := []vault.WrappedKey{key(1, vault.PurposeSeal), key(2, vault.PurposeIndex)}
		for _, k := range want {
			if err := s.AddKey(ctx, k); err != nil {
				t.Fatalf("AddKey(%s) = %v", k.ID, err)
			}
		}
		got, err := s.Keys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(got, func(a, b vault.WrappedKey) int { return bytes.Compare(a.ID[:], b.ID[:]) })
		if len(got) != len(want) {
			t.Fatalf("Keys() = %d keys, want %d", len(got), len(want))
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.ID != w.ID || g.Purpose != w.Purpose || !g.Created.Equal(w.Created) || !bytes.Equal(g.Wrapped, w.Wrapped) {
				t.Errorf("Keys()[%d] = %s %s %v, want %s %s %v", i, g.ID, g.Purpose, g.Created, w.ID, w.Purpose, w.Created)
			}
		}
	})

	t.Run("duplicate id", func(t *testing.T) {
		s := open(t)
		if err := s.AddKey(ctx, key(1, vault.PurposeSeal)); err != nil {
			t.Fatal(err)
		}
		err := s.AddKey(ctx, key(1, vault.PurposeIndex))
		if got := bonafide.ErrorCode(err); got != bonafide.EConflict {
			t.Errorf("AddKey(duplicate) code = %q (%v), want %q", got, err, bonafide.EConflict)
		}
	})

	t.Run("rewrap all or none", func(t *testing.T) {
		s := open(t)
		for b := byte(1); b <= 3; b++ {
			if err := s.AddKey(ctx, key(b, vault.PurposeSeal)); err != nil {
				t.Fatal(err)
			}
		}
		boom := errors.New("boom")
		calls := 0
		err := s.Rewrap(ctx, func(k vault.WrappedKey) ([]byte, error) {
			calls++
			if calls == 2 {
				return nil, boom
			}
			return bytes.Repeat([]byte{0xee}, wrappedLen), nil
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Rewrap(failing) = %v, want %v", err, boom)
		}
		ks, err := s.Keys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range ks {
			if k.Wrapped[0] == 0xee {
				t.Errorf("after failed Rewrap, key %s was changed", k.ID)
			}
		}
		if err := s.Rewrap(ctx, func(k vault.WrappedKey) ([]byte, error) {
			return append([]byte{0xee}, k.Wrapped[1:]...), nil
		}); err != nil {
			t.Fatalf("Rewrap = %v", err)
		}
		ks, err = s.Keys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ks) != 3 {
			t.Fatalf("after Rewrap, Keys() = %d keys, want 3", len(ks))
		}
		for _, k := range ks {
			if k.Wrapped[0] != 0xee || k.Wrapped[1] != k.ID[0] {
				t.Errorf("after Rewrap, key %s = %x..., want ee%02x...", k.ID, k.Wrapped[:2], k.ID[0])
			}
		}
	})

	t.Run("vault seals, rotates and reopens", func(t *testing.T) {
		s := open(t)
		old, err := vault.GenerateMasterKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		next, err := vault.GenerateMasterKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		v, err := vault.Open(ctx, s, vault.MasterKeys{old}, vault.Options{})
		if err != nil {
			t.Fatalf("Open = %v", err)
		}
		sealed, err := v.Seal([]byte("conformance"), []byte("R-1"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := vault.Rotate(ctx, s, vault.MasterKeys{next, old}); err != nil {
			t.Fatalf("Rotate = %v", err)
		}
		v2, err := vault.Open(ctx, s, vault.MasterKeys{next}, vault.Options{})
		if err != nil {
			t.Fatalf("Open after rotation with the new key only = %v", err)
		}
		got, err := v2.Open(sealed, []byte("R-1"))
		if err != nil || string(got) != "conformance" {
			t.Errorf("Open(sealed) after rotation = %q, %v; want %q, nil", got, err, "conformance")
		}
		if _, err := vault.Open(ctx, s, vault.MasterKeys{old}, vault.Options{}); err == nil {
			t.Errorf("Open with the retired master key only succeeded; want error")
		}
	})
}

// RunTagIndex checks that a TagIndex keeps its contract. open returns a new,
// empty index and is called once per subtest.
func RunTagIndex(t *testing.T, open func(t *testing.T) vault.TagIndex) {
	ctx := context.Background()
	tag := func(k vault.TagKind, b byte) vault.Tag { return vault.Tag{Kind: k, Sum: [vault.TagSize]byte{b}} }
	a, b, c := tag(vault.TagEmail, 1), tag(vault.TagPhone, 1), tag(vault.TagDevice, 9)

	t.Run("put, read, find", func(t *testing.T) {
		idx := open(t)
		puts := []struct {
			id   string
			tags []vault.Tag
		}{
			{"R-1", []vault.Tag{b, a}},
			{"R-2", []vault.Tag{a}},
			{"R-3", []vault.Tag{c}},
			{"R-4", nil},
		}
		for _, p := range puts {
			if err := idx.PutTags(ctx, p.id, p.tags); err != nil {
				t.Fatalf("PutTags(%s) = %v", p.id, err)
			}
		}
		got, err := idx.TagsOf(ctx, "R-1")
		if err != nil || !slices.Equal(got, []vault.Tag{a, b}) {
			t.Errorf("TagsOf(R-1) = %v, %v; want %v (sorted)", got, err, []vault.Tag{a, b})
		}
		got, err = idx.TagsOf(ctx, "R-4")
		if err != nil || len(got) != 0 {
			t.Errorf("TagsOf(R-4) = %v, %v; want none", got, err)
		}
		hits, err := idx.ReferralsWithTags(ctx, []vault.Tag{a, c, tag(vault.TagIP, 7)})
		if err != nil {
			t.Fatal(err)
		}
		if g := hits[a]; !slices.Equal(g, []string{"R-1", "R-2"}) {
			t.Errorf("ReferralsWithTags[%s] = %v, want [R-1 R-2]", a, g)
		}
		if g := hits[c]; !slices.Equal(g, []string{"R-3"}) {
			t.Errorf("ReferralsWithTags[%s] = %v, want [R-3]", c, g)
		}
		if g, ok := hits[tag(vault.TagIP, 7)]; ok {
			t.Errorf("ReferralsWithTags[unused] = %v, want absent", g)
		}
		sh, err := vault.Sharing(ctx, idx, "R-2")
		if err != nil || len(sh) != 1 || sh[0].ReferralID != "R-1" || !slices.Equal(sh[0].Tags, []vault.Tag{a}) {
			t.Errorf("Sharing(R-2) = %+v, %v; want [{R-1 [%s]}]", sh, err, a)
		}
	})

	t.Run("put replaces", func(t *testing.T) {
		idx := open(t)
		if err := idx.PutTags(ctx, "R-1", []vault.Tag{a, b}); err != nil {
			t.Fatal(err)
		}
		if err := idx.PutTags(ctx, "R-1", []vault.Tag{c}); err != nil {
			t.Fatal(err)
		}
		hits, err := idx.ReferralsWithTags(ctx, []vault.Tag{a, b, c})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits[a])+len(hits[b]) != 0 || !slices.Equal(hits[c], []string{"R-1"}) {
			t.Errorf("after replacing, ReferralsWithTags = %v, want only %s: [R-1]", hits, c)
		}
	})
}

// RunIntakeTagging checks that a store opened with a Tagger writes each
// referral's reporter tags with the referral, through Add and Import alike,
// and only when the referral is stored. open returns a new, empty store
// using tagger, and its TagIndex; it is called once per subtest. The SQLite
// and PostgreSQL stores run it from their tests.
func RunIntakeTagging(t *testing.T, open func(t *testing.T, tagger vault.Tagger) (bonafide.Store, vault.TagIndex)) {
	ctx := context.Background()
	mk, err := vault.GenerateMasterKey(nil)
	if err != nil {
		t.Fatalf("GenerateMasterKey = %v", err)
	}
	v, err := vault.Open(ctx, &vault.MemoryKeyStore{}, vault.MasterKeys{mk}, vault.Options{})
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	d := &vault.Deferred{}
	d.Set(v)
	t0 := time.Date(2026, 2, 3, 10, 0, 0, 0, time.UTC)
	ref := func(id string, rep *bonafide.Reporter) *bonafide.Referral {
		return &bonafide.Referral{
			ID: id, ReceivedAt: t0, Channel: bonafide.ChannelPhone, Reporter: rep,
			Children: []bonafide.Person{{GivenName: "Tansy", FamilyName: "Quillfeather", Role: bonafide.RoleChild}},
		}
	}
	rep := func(email, phone string) *bonafide.Reporter {
		return &bonafide.Reporter{GivenName: "Orlo", FamilyName: "Vemmick", Email: email, Phone: phone}
	}
	add := func(t *testing.T, st bonafide.Store, recs ...*bonafide.Referral) {
		t.Helper()
		for _, r := range recs {
			if _, err := st.Add(ctx, r); err != nil {
				t.Fatalf("Add(%s) = %v", r.ID, err)
			}
		}
	}
	seq := func(recs ...*bonafide.Referral) func(func(bonafide.Record, error) bool) {
		return func(yield func(bonafide.Record, error) bool) {
			for _, r := range recs {
				if !yield(r, nil) {
					return
				}
			}
		}
	}
	sharing := func(t *testing.T, idx vault.TagIndex, id string) []string {
		t.Helper()
		sh, err := vault.Sharing(ctx, idx, id)
		if err != nil {
			t.Fatalf("Sharing(%s) = %v", id, err)
		}
		var ids []string
		for _, s := range sh {
			ids = append(ids, s.ReferralID)
		}
		return ids
	}
	tagsOf := func(t *testing.T, idx vault.TagIndex, id string) []vault.Tag {
		t.Helper()
		got, err := idx.TagsOf(ctx, id)
		if err != nil {
			t.Fatalf("TagsOf(%s) = %v", id, err)
		}
		return got
	}

	tests := []struct {
		name string
		fn   func(t *testing.T)
	}{
		{"add writes the tags vault.Tags gives", func(t *testing.T) {
			st, idx := open(t, d.Tags)
			r := rep("orlo.vemmick@example.invalid", "07700 900555")
			add(t, st, ref("T-1", r), ref("T-2", nil))
			if got, want := tagsOf(t, idx, "T-1"), v.Tags(r); !slices.Equal(got, want) {
				t.Errorf("TagsOf(T-1) = %v, want %v", got, want)
			}
			if got := tagsOf(t, idx, "T-2"); len(got) != 0 {
				t.Errorf("TagsOf(T-2) (no reporter) = %v, want none", got)
			}
		}},
		{"add and import both index, so Sharing links them", func(t *testing.T) {
			st, idx := open(t, d.Tags)
			add(t, st, ref("T-1", rep("orlo.vemmick@example.invalid", "")), ref("T-2", rep("someone.else@example.invalid", "")))
			if n, err := st.Import(ctx, seq(
				ref("T-3", rep("Orlo.Vemmick@Example.invalid", "")),
				ref("T-4", rep("", "07700 900555")),
				ref("T-5", rep("nobody@example.invalid", "+44 7700 900555")),
			)); err != nil || n != 3 {
				t.Fatalf("Import = %d, %v; want 3, nil", n, err)
			}
			for _, tt := range []struct {
				id   string
				want []string
			}{
				{"T-1", []string{"T-3"}},
				{"T-3", []string{"T-1"}},
				{"T-4", []string{"T-5"}},
				{"T-2", nil},
			} {
				if got := sharing(t, idx, tt.id); !slices.Equal(got, tt.want) {
					t.Errorf("Sharing(%s) = %v, want %v", tt.id, got, tt.want)
				}
			}
		}},
		{"failed import writes no tags", func(t *testing.T) {
			st, idx := open(t, d.Tags)
			add(t, st, ref("T-1", rep("orlo.vemmick@example.invalid", "")))
			if _, err := st.Import(ctx, seq(ref("T-7", rep("orlo.vemmick@example.invalid", "")), ref("T-1", rep("x@example.invalid", "")))); err == nil {
				t.Fatal("Import with a duplicate = nil error, want conflict")
			}
			if got := tagsOf(t, idx, "T-7"); len(got) != 0 {
				t.Errorf("TagsOf(T-7) after failed import = %v, want none", got)
			}
			if got := sharing(t, idx, "T-1"); len(got) != 0 {
				t.Errorf("Sharing(T-1) after failed import = %v, want none", got)
			}
		}},
		{"rejected duplicate add leaves the first reporter's tags", func(t *testing.T) {
			st, idx := open(t, d.Tags)
			first := rep("orlo.vemmick@example.invalid", "")
			add(t, st, ref("T-1", first))
			if _, err := st.Add(ctx, ref("T-1", rep("intruder@example.invalid", ""))); bonafide.ErrorCode(err) != bonafide.EConflict {
				t.Fatalf("Add(duplicate) = %v, want code %s", err, bonafide.EConflict)
			}
			if got, want := tagsOf(t, idx, "T-1"), v.Tags(first); !slices.Equal(got, want) {
				t.Errorf("TagsOf(T-1) = %v, want %v", got, want)
			}
		}},
		{"a tagger that fails stores nothing", func(t *testing.T) {
			unset := &vault.Deferred{} // never Set: Tags fails
			st, idx := open(t, unset.Tags)
			if _, err := st.Add(ctx, ref("T-1", rep("orlo.vemmick@example.invalid", ""))); err == nil {
				t.Fatal("Add with a failing tagger = nil error, want failure")
			}
			if _, err := st.Import(ctx, seq(ref("T-2", rep("orlo.vemmick@example.invalid", "")))); err == nil {
				t.Fatal("Import with a failing tagger = nil error, want failure")
			}
			for _, id := range []string{"T-1", "T-2"} {
				if _, err := st.ReferralByID(ctx, id); bonafide.ErrorCode(err) != bonafide.ENotFound {
					t.Errorf("ReferralByID(%s) = %v, want code %s", id, err, bonafide.ENotFound)
				}
				if got := tagsOf(t, idx, id); len(got) != 0 {
					t.Errorf("TagsOf(%s) = %v, want none", id, got)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.fn)
	}
}
