package web

import (
	"testing"
	"time"
)

// TestReceivedOn checks the date a subject access request was received:
// today is accepted at any hour (opened at 2 am it is not "in the future"
// because the day's request is taken as received at nine), tomorrow is
// not, and nothing but a real date is read.
func TestReceivedOn(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, london)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	early, late := at("2026-12-04 02:14"), at("2026-12-04 17:30")
	summer := at("2026-07-01 08:00") // British Summer Time
	for _, tt := range []struct {
		d, m, y string
		now     time.Time
		want    time.Time
		msg     string
	}{
		{"4", "12", "2026", early, early, ""},
		{"4", "12", "2026", late, at("2026-12-04 09:00"), ""},
		{"3", "12", "2026", early, at("2026-12-03 09:00"), ""},
		{"1", "7", "2026", summer, summer, ""},
		{"5", "12", "2026", late, time.Time{}, "Date received: it must be today or in the past"},
		{"1", "1", "2999", early, time.Time{}, "Date received: it must be today or in the past"},
		{"31", "2", "2026", early, time.Time{}, "Date received: enter a real date, like 27 3 2026"},
		{"x", "12", "2026", early, time.Time{}, "Date received: enter a real date, like 27 3 2026"},
		{"1", "1", "1999", early, time.Time{}, "Date received: enter a real date, like 27 3 2026"},
	} {
		got, msg := receivedOn(tt.d, tt.m, tt.y, tt.now)
		if msg != tt.msg || !got.Equal(tt.want) {
			t.Errorf("receivedOn(%s %s %s) at %s = %s, %q; want %s, %q", tt.d, tt.m, tt.y, tt.now, got, msg, tt.want, tt.msg)
		}
	}
}
