package triage

import (
	"fmt"
	"testing"
	"time"

	"bonafide"
)

// sparse returns a referral that names only what is given: children as
// "Given Family YYYY-MM-DD" triples, a town and a narrative.
func sparse(id string, at time.Time, town, narrative string, children ...bonafide.Person) *bonafide.Referral {
	r := &bonafide.Referral{ID: id, ReceivedAt: at, Channel: bonafide.ChannelWebForm, Reporter: anon,
		KnowledgeBasis: bonafide.KnowledgeOnlineContent, Children: children,
		Concerns: []bonafide.Concern{{Category: bonafide.ConcernPhysicalAbuse}}, Narrative: narrative}
	if town != "" {
		r.Address = &bonafide.Address{Town: town}
	}
	return r
}

// withLine gives r an address line (in its town).
func withLine(r *bonafide.Referral, line string) *bonafide.Referral {
	r.Address.Line1 = line
	return r
}

func kid(given, family, d string) bonafide.Person {
	p := bonafide.Person{GivenName: given, FamilyName: family, Role: bonafide.RoleChild}
	if d != "" {
		p.DOB = dob(d)
	}
	return p
}

// TestFamilyLinkSparse covers the ways a sparse referral is joined to its
// family (a page named in the narrative, a burst about one child, several
// members of a household named together) and the checks that keep those
// ways from joining different families.
func TestFamilyLinkSparse(t *testing.T) {
	pelham := func(id string, at time.Time) *bonafide.Referral {
		r := sparse(id, at, "Coldharbour", "I watched the live stream.", kid("Wilhelmina", "Pelham", "2020-03-01"))
		r.Adults = []bonafide.Person{{GivenName: "Rosalind", FamilyName: "Pelham", Role: bonafide.RoleMother,
			SocialHandles: []bonafide.SocialHandle{{Platform: "vidora", Handle: "rosalind.pelham"}}}}
		return r
	}
	tests := []struct {
		name string
		recs []bonafide.Record
		same bool // whether the last referral joins the first one's family
	}{
		{"page named in the narrative links", []bonafide.Record{pelham("R1", hours(0)),
			sparse("R2", hours(24*40), "", "Look at @rosalind.pelham, she hurt her daughter on camera.", kid("Mina", "", ""))}, true},
		{"another page named does not", []bonafide.Record{pelham("R1", hours(0)),
			sparse("R2", hours(24*40), "", "Look at @someone.else, she hurt her daughter on camera.", kid("Mina", "", ""))}, false},
		{"same child and town within hours links", []bonafide.Record{pelham("R1", hours(0)),
			sparse("R2", hours(3), "Coldharbour", "Her daughter was hit on the live stream.", kid("Wilhelmina", "", ""))}, true},
		{"only the child's first name, hours after the family's only referral, links", []bonafide.Record{pelham("R1", hours(0)),
			sparse("R2", hours(5), "", "Somebody should check on her.", kid("Wilhelmina", "", ""))}, true},
		{"only the child's first name, two days later, does not", []bonafide.Record{pelham("R1", hours(0)),
			sparse("R2", hours(48), "", "Somebody should check on her.", kid("Wilhelmina", "", ""))}, false},
		{"a misspelt child with the family's surname within hours links", []bonafide.Record{pelham("R1", hours(0)),
			func() *bonafide.Referral {
				r := sparse("R2", hours(5), "", "Somebody should check on her.", kid("Wihlmena", "", ""))
				r.Adults = []bonafide.Person{{GivenName: "Ros", FamilyName: "Pelham", Role: bonafide.RoleMother}}
				return r
			}()}, true},
		{"same child and town months later does not", []bonafide.Record{pelham("R1", hours(0)),
			sparse("R2", hours(24*90), "Coldharbour", "Her daughter was hit on the live stream.", kid("Wilhelmina", "", ""))}, false},
		{"same given name, other surname, within hours does not", []bonafide.Record{pelham("R1", hours(0)),
			sparse("R2", hours(3), "", "Her daughter was hit.", kid("Wilhelmina", "Okonjo", ""))}, false},
		{"two recent families with the child's name: neither", []bonafide.Record{pelham("R1", hours(0)),
			sparse("R2", hours(1), "Marsh End", "A different girl.", kid("Wilhelmina", "Tarrant", "2012-07-07")),
			sparse("R3", hours(3), "Coldharbour", "Somebody should check on her.", kid("Wilhelmina", "", ""))}, false},
		{"two recent families, the narrative tells of one's incident: that one", []bonafide.Record{pelham("R1", hours(0)),
			sparse("R2", hours(1), "Marsh End", "A different girl.", kid("Wilhelmina", "Tarrant", "2012-07-07")),
			sparse("R3", hours(3), "", "I watched the live stream too.", kid("Wilhelmina", "", ""))}, true},
		{"household named together links", []bonafide.Record{
			sparse("R1", hours(0), "Coldharbour", "", kid("Ernestine", "Vaughan", ""), kid("Devlin", "Vaughan", ""), kid("Niamh", "Vaughan", "")),
			sparse("R2", hours(24*60), "", "", kid("Ernestine", "", ""), kid("Devlin", "", ""), kid("Niamh", "", ""))}, true},
		{"household names in another town do not", []bonafide.Record{
			sparse("R1", hours(0), "Coldharbour", "", kid("Ernestine", "Vaughan", ""), kid("Devlin", "Vaughan", "")),
			sparse("R2", hours(24*60), "Farnwick", "", kid("Ernestine", "", ""), kid("Devlin", "", ""))}, false},
		{"the same address line abbreviated links", []bonafide.Record{
			withLine(sparse("R1", hours(0), "Saltmarsh", "", kid("Craig", "Norris", "")), "48 Chapel Terrace"),
			withLine(sparse("R2", hours(24*60), "Saltmarsh", "", kid("Craig", "Norris", "")), "48 Chapel Terr.")}, true},
		{"another house in the street does not", []bonafide.Record{
			withLine(sparse("R1", hours(0), "Saltmarsh", "", kid("Craig", "Norris", "")), "48 Chapel Terrace"),
			withLine(sparse("R2", hours(24*60), "Saltmarsh", "", kid("Craig", "Norris", "")), "84 Chapel Terr.")}, false},
		{"a birth year alone does not link another child", []bonafide.Record{
			sparse("R1", hours(0), "Coldharbour", "", kid("Kerensa", "Marlowe", "2024-02-10"), kid("Bartholomew", "Marlowe", "2013-09-15")),
			sparse("R2", hours(24*60), "", "", kid("Philippa", "Abernethy", "2024-04-05"), kid("Cuthbert", "Abernethy", "2013-05-30"))}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := run(t, tt.recs)
			first, last := out[0], out[len(out)-1]
			if got := first.Family == last.Family; got != tt.same {
				t.Errorf("family(%s) = %s, family(%s) = %s: same = %v, want %v", first.ReferralID, first.Family, last.ReferralID, last.Family, got, tt.same)
			}
		})
	}
}

// TestIncidentWordsForgotten checks that the narrative words kept for the
// burst rule are dropped once a family has not been referred for
// RecentWindow, even when another family keeps being referred, so that
// memory follows the referral rate and not the history.
func TestIncidentWordsForgotten(t *testing.T) {
	e, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	busy := func(id string, at time.Time) *bonafide.Referral {
		return sparse(id, at, "Coldharbour", "The toddler was left alone on the balcony.", kid("Peregrine", "Ashdown", "2021-01-01"))
	}
	recs := []bonafide.Record{busy("B1", hours(0)),
		sparse("Q1", hours(1), "Farnwick", "Shouting next door every night.", kid("Ottoline", "Quarrie", "2019-05-05"))}
	for h := 24.0; h <= 24*8; h += 24 {
		recs = append(recs, busy(fmt.Sprintf("B%.0f", h), hours(h)))
	}
	var quarrie int32 = -1
	for _, r := range recs {
		if _, err := e.Observe(r); err != nil {
			t.Fatal(err)
		}
		if r.(*bonafide.Referral).ID == "Q1" {
			quarrie = e.refs[e.byID["Q1"]].family
			if len(e.fam.families[quarrie].words) == 0 {
				t.Fatalf("words of the family just referred = none, want its narrative's")
			}
		}
	}
	if w := e.fam.families[quarrie].words; len(w) != 0 {
		t.Errorf("words of a family not referred for a week = %v, want none", w)
	}
	if busyFam := e.refs[e.byID["B1"]].family; len(e.fam.families[busyFam].words) == 0 {
		t.Errorf("words of the family referred today = none, want its narrative's")
	}
}
