package webhook

import (
	"fmt"
	"net/netip"
	"syscall"
)

// blockedPrefixes are the destinations a guarded Sender refuses: everything
// that is not a public unicast address. IPv4-mapped IPv6 addresses are
// unmapped first, and the IPv4 address inside NAT64 and 6to4 addresses is
// checked too.
var blockedPrefixes = func() []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range []string{
		// IPv4
		"0.0.0.0/8",       // "this network", including 0.0.0.0
		"10.0.0.0/8",      // private
		"100.64.0.0/10",   // shared address space (CGNAT); Alibaba metadata 100.100.100.200
		"127.0.0.0/8",     // loopback
		"169.254.0.0/16",  // link-local; AWS, GCP, Azure metadata 169.254.169.254
		"172.16.0.0/12",   // private
		"192.0.0.0/24",    // IETF protocol assignments; Oracle metadata 192.0.0.192
		"192.0.2.0/24",    // documentation
		"192.88.99.0/24",  // 6to4 relay anycast
		"192.168.0.0/16",  // private
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // documentation
		"203.0.113.0/24",  // documentation
		"224.0.0.0/4",     // multicast
		"240.0.0.0/4",     // reserved, including 255.255.255.255
		// IPv6
		"::/128",         // unspecified
		"::1/128",        // loopback
		"::/96",          // IPv4-compatible (deprecated)
		"64:ff9b:1::/48", // local-use NAT64
		"100::/64",       // discard
		"2001::/23",      // IETF protocol assignments, including Teredo
		"2001:db8::/32",  // documentation
		"fc00::/7",       // unique local; AWS metadata fd00:ec2::254
		"fe80::/10",      // link-local
		"fec0::/10",      // site-local (deprecated)
		"ff00::/8",       // multicast
	} {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}()

var (
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour   = netip.MustParsePrefix("2002::/16")
)

// addrAllowed reports whether a guarded Sender may connect to a: either a is
// in one of the allowed prefixes, or it is a public unicast address.
func addrAllowed(a netip.Addr, allow []netip.Prefix) bool {
	a = a.Unmap().WithZone("")
	for _, p := range allow {
		if p.Contains(a) {
			return true
		}
	}
	if !a.IsValid() {
		return false
	}
	if a.Is6() {
		b := a.As16()
		switch {
		case nat64Prefix.Contains(a):
			return addrAllowed(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), allow)
		case sixToFour.Contains(a):
			return addrAllowed(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), allow)
		}
	}
	for _, p := range blockedPrefixes {
		if p.Contains(a) {
			return false
		}
	}
	return a.IsGlobalUnicast()
}

// guardControl returns a net.Dialer Control function that refuses, after
// DNS resolution and before connecting, any address [addrAllowed] refuses.
// Checking at dial time means a name that resolves to a public address when
// the URL is registered and to a private one later (DNS rebinding) is still
// caught, and every address the dialer tries is checked.
func guardControl(allow []netip.Prefix) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: %s", ErrBlockedAddress, address)
		}
		if !addrAllowed(ap.Addr(), allow) {
			return fmt.Errorf("%w: %s", ErrBlockedAddress, ap.Addr())
		}
		return nil
	}
}
