package auth

import (
	"net/http/httptest"
	"testing"
)

func TestSameOrigin(t *testing.T) {
	tests := []struct {
		name, origin, site string
		want               bool
	}{
		{"this host", "http://bonafide.example:8080", "", true},
		{"this host, same-origin fetch", "https://bonafide.example:8080", "same-origin", true},
		{"host case differs", "http://BONAFIDE.example:8080", "", true},
		{"no Origin", "", "", false},
		{"opaque origin", "null", "", false},
		{"another host", "http://evil.example", "", false},
		{"another port", "http://bonafide.example:9090", "", false},
		{"cross-site fetch", "http://bonafide.example:8080", "cross-site", false},
		{"same-site, not same-origin", "http://bonafide.example:8080", "same-site", false},
		{"no host", "file:///etc/passwd", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "http://bonafide.example:8080/sign-in", nil)
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			if tt.site != "" {
				r.Header.Set("Sec-Fetch-Site", tt.site)
			}
			if got := SameOrigin(r); got != tt.want {
				t.Errorf("SameOrigin(Origin %q, Sec-Fetch-Site %q) = %v, want %v", tt.origin, tt.site, got, tt.want)
			}
		})
	}
}
