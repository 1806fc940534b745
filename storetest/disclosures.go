package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"bonafide"
)

// OpenDisclosures returns a new, empty DisclosureStore for t, closed in a
// t.Cleanup.
type OpenDisclosures func(t *testing.T) bonafide.DisclosureStore

// RunDisclosures runs the conformance suite of [bonafide.DisclosureStore]:
// requests round-trip, a taken ID and a stale version are refused, a
// release stores its package and marks with it (and none of them when the
// version is stale), filters select and order, and SARs round-trip with
// their bundle.
func RunDisclosures(t *testing.T, open OpenDisclosures) {
	tests := []struct {
		name string
		fn   func(*testing.T, bonafide.DisclosureStore)
	}{
		{"RoundTrip", testDisclosureRoundTrip},
		{"Release", testDisclosureRelease},
		{"Filter", testDisclosureFilter},
		{"SAR", testSARStore},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

func disclosure(id string, filed time.Time, by string) bonafide.Disclosure {
	return bonafide.Disclosure{ID: id, State: bonafide.DisclosureFiled, RequestedBy: by, Filed: filed, Updated: filed,
		Expires: filed.Add(28 * 24 * time.Hour), Scope: []string{"R-1", "R-2"},
		Request: bonafide.PoliceRequest{Force: "Northshire Police", Officer: "DC Ames", OfficerRank: bonafide.RankConstable,
			Offence: bonafide.OffenceHarassment, LegalBasis: bonafide.LegalBasisCrime, Referrals: []string{"R-1"},
			Fields: []bonafide.DisclosureField{bonafide.FieldName, bonafide.FieldPhone}}}
}

func testDisclosureRoundTrip(t *testing.T, ds bonafide.DisclosureStore) {
	ctx := context.Background()
	d := disclosure("DR-1", t0, "user:pat")
	if err := ds.CreateDisclosure(ctx, d); err != nil {
		t.Fatalf("CreateDisclosure = %v", err)
	}
	wantCode(t, "CreateDisclosure(same id)", ds.CreateDisclosure(ctx, d), bonafide.EConflict)
	got, err := ds.Disclosure(ctx, "DR-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 1 || got.Request.Force != d.Request.Force || !slices.Equal(got.Scope, d.Scope) || !got.Filed.Equal(t0) ||
		!slices.Equal(got.Request.Fields, d.Request.Fields) {
		t.Errorf("Disclosure = %+v, want %+v at version 1", got, d)
	}
	_, err = ds.Disclosure(ctx, "DR-none")
	wantCode(t, "Disclosure(missing)", err, bonafide.ENotFound)

	got.Version = 2
	got.State = bonafide.DisclosureMoreInfo
	got.Notes = []string{"which posts?"}
	if err := ds.UpdateDisclosure(ctx, got, nil, nil); err != nil {
		t.Fatalf("UpdateDisclosure = %v", err)
	}
	stale := got // still version 2: another writer's copy
	wantCode(t, "UpdateDisclosure(stale)", ds.UpdateDisclosure(ctx, stale, nil, nil), bonafide.EConflict)
	missing := disclosure("DR-none", t0, "user:pat")
	missing.Version = 2
	wantCode(t, "UpdateDisclosure(missing)", ds.UpdateDisclosure(ctx, missing, nil, nil), bonafide.ENotFound)
	again, err := ds.Disclosure(ctx, "DR-1")
	if err != nil {
		t.Fatal(err)
	}
	if again.State != bonafide.DisclosureMoreInfo || again.Version != 2 || !slices.Equal(again.Notes, []string{"which posts?"}) {
		t.Errorf("after update: state %s version %d notes %q, want more_information, 2, [which posts?]", again.State, again.Version, again.Notes)
	}
}

func testDisclosureRelease(t *testing.T, ds bonafide.DisclosureStore) {
	ctx := context.Background()
	d := disclosure("DR-2", t0, "user:pat")
	if err := ds.CreateDisclosure(ctx, d); err != nil {
		t.Fatal(err)
	}
	pkg := &bonafide.DisclosurePackage{DisclosureID: "DR-2", Created: t0.Add(time.Hour), Expires: t0.Add(15 * 24 * time.Hour),
		Liaison: "user:pat", JSON: []byte(`{"a":1}`), PDF: []byte("%PDF-1.4"), Signature: []byte("note"), SHA256: "abc"}
	d.Version, d.State, d.Updated = 3, bonafide.DisclosureReleased, t0.Add(time.Hour) // stale: stored is 1
	wantCode(t, "UpdateDisclosure(stale release)", ds.UpdateDisclosure(ctx, d, pkg, []string{"R-1"}), bonafide.EConflict)
	_, err := ds.DisclosurePackage(ctx, "DR-2")
	wantCode(t, "DisclosurePackage after a refused release", err, bonafide.ENotFound)
	if m, err := ds.Disclosed(ctx, []string{"R-1"}); err != nil || len(m) != 0 {
		t.Fatalf("Disclosed after a refused release = %v, %v; want none", m, err)
	}
	d.Version = 2
	if err := ds.UpdateDisclosure(ctx, d, pkg, []string{"R-1", "R-2"}); err != nil {
		t.Fatalf("UpdateDisclosure(release) = %v", err)
	}
	got, err := ds.DisclosurePackage(ctx, "DR-2")
	if err != nil {
		t.Fatal(err)
	}
	if string(got.JSON) != `{"a":1}` || string(got.PDF) != "%PDF-1.4" || string(got.Signature) != "note" || got.SHA256 != "abc" ||
		got.Liaison != "user:pat" || !got.Expires.Equal(pkg.Expires) || !got.Created.Equal(pkg.Created) {
		t.Errorf("DisclosurePackage = %+v, want %+v", got, pkg)
	}
	m, err := ds.Disclosed(ctx, []string{"R-1", "R-2", "R-3"})
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 2 || !slices.Equal(m["R-1"], []string{"DR-2"}) || !slices.Equal(m["R-2"], []string{"DR-2"}) {
		t.Errorf("Disclosed = %v, want R-1 and R-2 by DR-2", m)
	}
	d.Version = 3
	wantCode(t, "a second package", ds.UpdateDisclosure(ctx, d, pkg, nil), bonafide.EConflict)
}

func testDisclosureFilter(t *testing.T, ds bonafide.DisclosureStore) {
	ctx := context.Background()
	for i, by := range []string{"user:pat", "user:kim", "user:pat"} {
		d := disclosure("DR-F"+string(rune('1'+i)), t0.Add(time.Duration(i)*24*time.Hour), by)
		if i == 1 {
			d.State = bonafide.DisclosureRefused
		}
		if err := ds.CreateDisclosure(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(ds []bonafide.Disclosure) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.ID)
		}
		return out
	}
	tests := []struct {
		name string
		f    bonafide.DisclosureFilter
		want []string
	}{
		{"all, newest first", bonafide.DisclosureFilter{}, []string{"DR-F3", "DR-F2", "DR-F1"}},
		{"by requester", bonafide.DisclosureFilter{RequestedBy: "user:pat"}, []string{"DR-F3", "DR-F1"}},
		{"by state", bonafide.DisclosureFilter{States: []bonafide.DisclosureState{bonafide.DisclosureRefused}}, []string{"DR-F2"}},
		{"filed in range", bonafide.DisclosureFilter{FiledFrom: t0.Add(24 * time.Hour), FiledTo: t0.Add(48 * time.Hour)}, []string{"DR-F2"}},
		{"limit", bonafide.DisclosureFilter{Limit: 1}, []string{"DR-F3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ds.Disclosures(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), tt.want) {
				t.Errorf("Disclosures(%+v) = %v, want %v", tt.f, ids(got), tt.want)
			}
		})
	}
	_, err := ds.Disclosures(ctx, bonafide.DisclosureFilter{Limit: bonafide.MaxDisclosurePage + 1})
	wantCode(t, "Disclosures(limit too large)", err, bonafide.EInvalid)
}

func testSARStore(t *testing.T, ds bonafide.DisclosureStore) {
	ctx := context.Background()
	s := bonafide.SAR{ID: "SAR-1", Requester: bonafide.SARPerson{GivenName: "Zoë", FamilyName: "Price"}, Family: "F-1",
		State: bonafide.SAROpen, OpenedBy: "user:dpo", Received: t0, Updated: t0,
		Documents: []bonafide.SARDocument{{N: 1, Title: "Referral R-1", Parts: []bonafide.SARPart{{ID: "1.1", Text: "x", Code: bonafide.RedactReporter, Locked: true}}}}}
	if err := ds.CreateSAR(ctx, s); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "CreateSAR(same id)", ds.CreateSAR(ctx, s), bonafide.EConflict)
	_, err := ds.SARBundle(ctx, "SAR-1")
	wantCode(t, "SARBundle before producing", err, bonafide.ENotFound)
	got, err := ds.SAR(ctx, "SAR-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 1 || got.Requester.GivenName != "Zoë" || len(got.Documents) != 1 || got.Documents[0].Parts[0].Code != bonafide.RedactReporter {
		t.Errorf("SAR = %+v", got)
	}
	got.Version, got.State = 2, bonafide.SARProduced
	if err := ds.UpdateSAR(ctx, got, []byte("%PDF-bundle")); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "UpdateSAR(stale)", ds.UpdateSAR(ctx, got, nil), bonafide.EConflict)
	pdf, err := ds.SARBundle(ctx, "SAR-1")
	if err != nil || string(pdf) != "%PDF-bundle" {
		t.Errorf("SARBundle = %q, %v", pdf, err)
	}
	list, err := ds.SARs(ctx, 10)
	if err != nil || len(list) != 1 || list[0].State != bonafide.SARProduced {
		t.Errorf("SARs = %+v, %v", list, err)
	}
	_, err = ds.SAR(ctx, "SAR-none")
	wantCode(t, "SAR(missing)", err, bonafide.ENotFound)
}
