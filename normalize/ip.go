package normalize

import (
	"net/netip"
	"strings"
)

// IP returns the address in s in canonical text form and the network it
// shares with its neighbours: the /24 of an IPv4 address, the /48 of an IPv6
// one (the usual allocation to one customer site, as a /24 is the smallest
// routed IPv4 block). Referrals from one person on a home connection or
// mobile network often share the group when they do not share the address.
//
// It accepts an address with a port ("203.0.113.7:443", "[2001:db8::1]:443")
// or an IPv6 zone, which are dropped; an IPv4-mapped IPv6 address is given as
// IPv4. It returns "", "" when s is not an IP address.
func IP(s string) (ip, group string) {
	s = strings.TrimSpace(s)
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return "", ""
		}
		a = ap.Addr()
	}
	a = a.Unmap().WithZone("")
	bits := 48
	if a.Is4() {
		bits = 24
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return "", ""
	}
	return a.String(), p.String()
}
