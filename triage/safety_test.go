package triage

import (
	"testing"
	"time"

	"bonafide"
)

var testNow = time.Date(2025, 3, 12, 10, 30, 0, 0, time.UTC)

func child(dob string) bonafide.Person {
	d, err := bonafide.ParsePartialDate(dob)
	if err != nil {
		panic(err)
	}
	return bonafide.Person{GivenName: "Test", FamilyName: "Child", DOB: d, Role: bonafide.RoleChild}
}

func TestJudgeSafety(t *testing.T) {
	concern := func(c bonafide.ConcernCategory, detail string) []bonafide.Concern {
		return []bonafide.Concern{{Category: c, Detail: detail}}
	}
	tests := []struct {
		name string
		ref  bonafide.Referral
		want Level
	}{
		{"immediate danger flag", bonafide.Referral{ImmediateDanger: true, Children: []bonafide.Person{child("2015")},
			Concerns: concern(bonafide.ConcernOther, "worried")}, LevelImmediate},
		{"injury described", bonafide.Referral{Children: []bonafide.Person{child("2014-05-01")},
			Concerns: concern(bonafide.ConcernPhysicalAbuse, ""), Narrative: "He came to school with a bruise on his cheek."}, LevelHigh},
		{"negated injury is not an injury", bonafide.Referral{Children: []bonafide.Person{child("2014-05-01")},
			Concerns: concern(bonafide.ConcernNeglect, ""), Narrative: "The house is dirty but I saw no bruises on her."}, LevelStandard},
		{"sexual abuse category", bonafide.Referral{Children: []bonafide.Person{child("2012")},
			Concerns: concern(bonafide.ConcernSexualAbuse, "")}, LevelHigh},
		{"sexual abuse disclosed in words", bonafide.Referral{Children: []bonafide.Person{child("2012")},
			Concerns: concern(bonafide.ConcernOther, ""), Narrative: "She told her friend an uncle touched her private parts."}, LevelHigh},
		{"domestic abuse with children present", bonafide.Referral{Children: []bonafide.Person{child("2016")},
			Concerns: concern(bonafide.ConcernDomesticAbuse, ""), Narrative: "Shouting and hitting last night, the children were in the kitchen and witnessed it."}, LevelHigh},
		{"domestic abuse without children present", bonafide.Referral{Children: []bonafide.Person{child("2016")},
			Concerns: concern(bonafide.ConcernDomesticAbuse, ""), Narrative: "Arguments between the adults."}, LevelStandard},
		{"baby under one", bonafide.Referral{Children: []bonafide.Person{child("2024-11-02")},
			Concerns: concern(bonafide.ConcernOther, "")}, LevelHigh},
		{"under two with neglect", bonafide.Referral{Children: []bonafide.Person{child("2023-09")},
			Concerns: concern(bonafide.ConcernNeglect, "")}, LevelHigh},
		{"under two with a minor concern", bonafide.Referral{Children: []bonafide.Person{child("2023-09")},
			Concerns: concern(bonafide.ConcernOnlineSafety, "")}, LevelStandard},
		{"professional reports neglect", bonafide.Referral{Children: []bonafide.Person{child("2015")},
			KnowledgeBasis: bonafide.KnowledgeProfessional, Reporter: &bonafide.Reporter{Relationship: bonafide.RelTeacher},
			Concerns: concern(bonafide.ConcernNeglect, "")}, LevelHigh},
		{"member of public reports neglect", bonafide.Referral{Children: []bonafide.Person{child("2015")},
			Reporter: &bonafide.Reporter{Relationship: bonafide.RelMemberOfPublic},
			Concerns: concern(bonafide.ConcernNeglect, "")}, LevelStandard},
		{"vague online concern about an older child", bonafide.Referral{Children: []bonafide.Person{child("2012")},
			Concerns: concern(bonafide.ConcernOnlineSafety, "spends a lot of time online")}, LevelLow},
		{"weapon", bonafide.Referral{Children: []bonafide.Person{child("2012")},
			Concerns: concern(bonafide.ConcernOther, ""), Narrative: "Her stepfather waved a knife at her mum."}, LevelHigh},
		{"no dob, neglect", bonafide.Referral{Children: []bonafide.Person{{GivenName: "A"}},
			Concerns: concern(bonafide.ConcernNeglect, "")}, LevelStandard},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.ref.ReceivedAt = testNow
			got := JudgeSafety(&tt.ref)
			if got.Level != tt.want {
				t.Errorf("JudgeSafety(%s) = %s %q, want %s", tt.name, got.Level, got.Reasons, tt.want)
			}
			if len(got.Reasons) == 0 {
				t.Errorf("JudgeSafety(%s) gave no reasons", tt.name)
			}
		})
	}
}

// TestJudgeSafetyImmediateWhoeverSent checks every combination of channel,
// relationship, knowledge basis, anonymity, concern and age: a referral that
// reports immediate danger is always immediate.
func TestJudgeSafetyImmediateWhoeverSent(t *testing.T) {
	n := 0
	for _, ch := range bonafide.Channels {
		for _, rel := range append(bonafide.Relationships, "") {
			for _, kb := range append(bonafide.KnowledgeBases, "") {
				for _, anon := range []bool{false, true} {
					for _, cat := range bonafide.ConcernCategories {
						for _, dob := range []string{"2024-12-01", "2010", ""} {
							r := bonafide.Referral{ReceivedAt: testNow, Channel: ch, KnowledgeBasis: kb, ImmediateDanger: true,
								Reporter: &bonafide.Reporter{Anonymous: anon, Relationship: rel},
								Concerns: []bonafide.Concern{{Category: cat}}, Narrative: "I saw it on their public post, no bruises."}
							c := bonafide.Person{GivenName: "X"}
							if dob != "" {
								c = child(dob)
							}
							r.Children = []bonafide.Person{c}
							if got := JudgeSafety(&r); got.Level != LevelImmediate {
								t.Fatalf("JudgeSafety(channel=%s rel=%s kb=%s anon=%v cat=%s dob=%s) = %s, want immediate",
									ch, rel, kb, anon, cat, dob, got.Level)
							}
							n++
						}
					}
				}
			}
		}
	}
	if n < 1000 {
		t.Fatalf("only %d combinations checked", n)
	}
}
