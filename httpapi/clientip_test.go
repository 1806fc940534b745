package httpapi

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

// TestClientIP checks which address login throttling counts: the peer,
// unless the peer is a trusted proxy, and then the nearest untrusted hop of
// X-Forwarded-For. A client's own X-Forwarded-For is never believed.
func TestClientIP(t *testing.T) {
	s := &Server{TrustedProxies: []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("::1/128"),
	}}
	tests := []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"no proxy configured for this peer", "203.0.113.9:5000", nil, "203.0.113.9"},
		{"an untrusted peer's header is ignored", "203.0.113.9:5000", []string{"198.51.100.1"}, "203.0.113.9"},
		{"trusted proxy, one client", "10.1.2.3:443", []string{"198.51.100.7"}, "198.51.100.7"},
		{"trusted proxy, client-written hops to the left are skipped", "10.1.2.3:443", []string{"1.2.3.4, 198.51.100.7"}, "198.51.100.7"},
		{"two trusted proxies in a chain", "10.1.2.3:443", []string{"198.51.100.7, 10.9.9.9"}, "198.51.100.7"},
		{"header split over two lines", "10.1.2.3:443", []string{"1.2.3.4", "198.51.100.7"}, "198.51.100.7"},
		{"trusted proxy without the header", "10.1.2.3:443", nil, "10.1.2.3"},
		{"a malformed hop stops the walk at the proxy", "10.1.2.3:443", []string{"198.51.100.7, not-an-ip"}, "10.1.2.3"},
		{"only trusted hops", "10.1.2.3:443", []string{"10.4.4.4"}, "10.1.2.3"},
		{"IPv6 trusted proxy, IPv4-mapped client", "[::1]:443", []string{"::ffff:198.51.100.8"}, "198.51.100.8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/api/v1/login", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := s.clientIP(r); got != tt.want {
				t.Errorf("clientIP = %q, want %q", got, tt.want)
			}
		})
	}
	// Without TrustedProxies nothing forwarded is believed.
	r := httptest.NewRequest("POST", "/api/v1/login", nil)
	r.RemoteAddr = "10.1.2.3:443"
	r.Header.Set("X-Forwarded-For", "198.51.100.7")
	if got := (&Server{}).clientIP(r); got != "10.1.2.3" {
		t.Errorf("no trusted proxies: clientIP = %q, want the peer", got)
	}
}
