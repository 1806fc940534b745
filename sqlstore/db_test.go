package sqlstore

import (
	"testing"
	"time"
)

func TestNumbered(t *testing.T) {
	tests := []struct {
		name, q, want string
	}{
		{"none", `SELECT count(*) FROM users`, `SELECT count(*) FROM users`},
		{"one", `SELECT body FROM sars WHERE id = ?`, `SELECT body FROM sars WHERE id = $1`},
		{"many", `UPDATE t SET a = ?, b = ? WHERE id = ? AND c < ?`, `UPDATE t SET a = $1, b = $2 WHERE id = $3 AND c < $4`},
		{"ten", `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, `($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 2 { // the second from the cache
				if got := Numbered(tt.q); got != tt.want {
					t.Errorf("Numbered(%q) = %q, want %q", tt.q, got, tt.want)
				}
			}
		})
	}
}

func TestTimeScan(t *testing.T) {
	at := time.Date(2026, 12, 2, 18, 0, 0, 123456000, time.UTC)
	tests := []struct {
		name    string
		src     any
		want    time.Time
		wantErr bool
	}{
		{"null", nil, time.Time{}, false},
		{"zero micros", int64(0), time.Time{}, false},
		{"micros", at.UnixMicro(), at, false},
		{"timestamptz", at.In(time.FixedZone("CET", 3600)), at, false},
		{"text", "2026-12-02", time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Time{time.Now()}
			err := v.Scan(tt.src)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Scan(%v) error = %v, want error %v", tt.src, err, tt.wantErr)
			}
			if err == nil && (!v.Equal(tt.want) || v.Location() != time.UTC) {
				t.Errorf("Scan(%v) = %v, want %v in UTC", tt.src, v.Time, tt.want)
			}
		})
	}
}
