package triage

import (
	"testing"
	"time"
)

func TestDecisionDue(t *testing.T) {
	c, err := NewCalendar()
	if err != nil {
		t.Fatal(err)
	}
	london := c.loc
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, london)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name     string
		received string
		want     string // London date at 17:00
	}{
		{"monday morning", "2025-03-10 08:00", "2025-03-11"},
		{"monday late night", "2025-03-10 23:30", "2025-03-11"},
		{"friday afternoon", "2025-03-14 15:00", "2025-03-17"},
		{"friday evening", "2025-03-14 19:45", "2025-03-17"},
		{"saturday", "2025-03-15 11:00", "2025-03-17"},
		{"sunday", "2025-03-16 11:00", "2025-03-17"},
		{"christmas eve 2025 (wednesday)", "2025-12-24 10:00", "2025-12-29"},
		{"christmas eve 2021 (friday, holidays observed mon and tue)", "2021-12-24 10:00", "2021-12-29"},
		{"new year's eve 2021 (friday, observed monday)", "2021-12-31 10:00", "2022-01-04"},
		{"maundy thursday 2025", "2025-04-17 10:00", "2025-04-22"},
		{"easter saturday 2024", "2024-03-30 10:00", "2024-04-02"},
		{"day before the state funeral", "2022-09-16 16:00", "2022-09-20"},
		{"before the coronation", "2023-05-05 12:00", "2023-05-09"},
		{"platinum jubilee", "2022-06-01 12:00", "2022-06-06"},
		{"2012 spring holiday moved away from 28 May", "2012-05-25 12:00", "2012-05-28"},
		{"2012 diamond jubilee", "2012-06-01 12:00", "2012-06-06"},
		{"summer bank holiday 2025", "2025-08-22 12:00", "2025-08-26"},
		{"received in UTC across midnight BST", "2025-06-06 23:30", "2025-06-09"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.DecisionDue(at(tt.received))
			want := at(tt.want + " 17:00")
			if !got.Equal(want) {
				t.Errorf("DecisionDue(%s) = %s, want %s", tt.received, got, want)
			}
		})
	}
	// A UTC time just after midnight London time (BST) is the next London day.
	got := c.DecisionDue(time.Date(2025, 6, 5, 23, 30, 0, 0, time.UTC)) // 00:30 Fri 6 June in London
	if want := at("2025-06-09 17:00"); !got.Equal(want) {
		t.Errorf("DecisionDue(2025-06-05T23:30Z) = %s, want %s", got, want)
	}
}
