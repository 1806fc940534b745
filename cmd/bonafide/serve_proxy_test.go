package main

import (
	"slices"
	"testing"
)

// TestTrustedProxies checks how --trusted-proxy is read: prefixes and
// single addresses, spaces and empty parts allowed, host bits masked.
func TestTrustedProxies(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		bad  bool
	}{
		{in: "", want: nil},
		{in: "10.0.0.0/8", want: []string{"10.0.0.0/8"}},
		{in: " 10.1.2.3/8 , ::1,", want: []string{"10.0.0.0/8", "::1/128"}},
		{in: "192.0.2.7", want: []string{"192.0.2.7/32"}},
		{in: "10.0.0.0/33", bad: true},
		{in: "proxy.example", bad: true},
	}
	for _, tt := range tests {
		ps, err := serveConfig{TrustedProxies: tt.in}.trustedProxies()
		if tt.bad {
			if err == nil {
				t.Errorf("%q: no error, want one", tt.in)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		var got []string
		for _, p := range ps {
			got = append(got, p.String())
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%q = %v, want %v", tt.in, got, tt.want)
		}
	}
}
