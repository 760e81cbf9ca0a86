package webhook

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
)

// blockedRanges are the destinations a guarded Sender refuses: everything
// that is not a public unicast address, each with what it is, for error
// messages. IPv4-mapped IPv6 addresses are unmapped first, and the IPv4
// address inside NAT64 and 6to4 addresses is checked too.
var blockedRanges = func() []blockedRange {
	var rs []blockedRange
	for _, r := range [][2]string{
		// IPv4
		{"0.0.0.0/8", "this-network"}, // including 0.0.0.0
		{"10.0.0.0/8", "private"},
		{"100.64.0.0/10", "shared (CGNAT)"}, // Alibaba metadata 100.100.100.200
		{"127.0.0.0/8", "loopback"},
		{"169.254.0.0/16", "link-local"}, // AWS, GCP, Azure metadata 169.254.169.254
		{"172.16.0.0/12", "private"},
		{"192.0.0.0/24", "IETF protocol assignment"}, // Oracle metadata 192.0.0.192
		{"192.0.2.0/24", "documentation"},
		{"192.88.99.0/24", "6to4 relay anycast"},
		{"192.168.0.0/16", "private"},
		{"198.18.0.0/15", "benchmarking"},
		{"198.51.100.0/24", "documentation"},
		{"203.0.113.0/24", "documentation"},
		{"224.0.0.0/4", "multicast"},
		{"240.0.0.0/4", "reserved"}, // including 255.255.255.255
		// IPv6
		{"::/128", "unspecified"},
		{"::1/128", "loopback"},
		{"::/96", "IPv4-compatible (deprecated)"},
		{"64:ff9b:1::/48", "local-use NAT64"},
		{"100::/64", "discard"},
		{"2001::/23", "IETF protocol assignment"}, // including Teredo
		{"2001:db8::/32", "documentation"},
		{"fc00::/7", "unique local"}, // AWS metadata fd00:ec2::254
		{"fe80::/10", "link-local"},
		{"fec0::/10", "site-local (deprecated)"},
		{"ff00::/8", "multicast"},
	} {
		rs = append(rs, blockedRange{netip.MustParsePrefix(r[0]), r[1]})
	}
	return rs
}()

type blockedRange struct {
	prefix netip.Prefix
	what   string
}

var (
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour   = netip.MustParsePrefix("2002::/16")
)

// addrAllowed reports whether a guarded Sender may connect to a: either a is
// in one of the allowed prefixes, or it is a public unicast address.
func addrAllowed(a netip.Addr, allow []netip.Prefix) bool {
	return addrBlocked(a, allow) == ""
}

// addrBlocked returns what kind of address a is ("loopback", "private",
// ...) when a guarded Sender refuses to connect to it, or "" when it may:
// a is in one of the allowed prefixes, or it is a public unicast address.
func addrBlocked(a netip.Addr, allow []netip.Prefix) string {
	a = a.Unmap().WithZone("")
	for _, p := range allow {
		if p.Contains(a) {
			return ""
		}
	}
	if !a.IsValid() {
		return "invalid"
	}
	if a.Is6() {
		b := a.As16()
		var v4 netip.Addr
		switch {
		case nat64Prefix.Contains(a):
			v4 = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
		case sixToFour.Contains(a):
			v4 = netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})
		}
		if v4.IsValid() {
			if what := addrBlocked(v4, allow); what != "" {
				return what + " (embedded in " + a.String() + ")"
			}
			return ""
		}
	}
	for _, r := range blockedRanges {
		if r.prefix.Contains(a) {
			return r.what
		}
	}
	if !a.IsGlobalUnicast() {
		return "non-unicast"
	}
	return ""
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

// CheckURL reports whether a Sender with [SenderOptions.BlockPrivateNetworks]
// may deliver to rawURL, as far as that can be known without resolving a
// name, so that a provider can refuse a customer's URL when it is registered
// instead of at its first delivery. allow exempts prefixes, as
// [SenderOptions.AllowNetworks] does. It is safe for concurrent use.
//
// It returns an error wrapping [ErrInvalidURL] when rawURL is not an
// absolute http or https URL with a host, or when its host ends in a
// numeric label without being an IPv4 address ("1.2.3.4.5", "0x1g"). It
// returns an error wrapping [ErrBlockedAddress], naming the host, the
// address and its kind, when the host is an address the guard refuses
// (loopback, private, link-local, shared, multicast, reserved, metadata
// and the like), in any form a resolver reads as that address: dotted
// decimal, one integer ("2130706433"), hexadecimal or octal parts
// ("0x7f000001", "0177.0.0.1"), fewer than four parts ("127.1"), a trailing
// dot, and IPv6 literals that embed an IPv4 address ("[::ffff:127.0.0.1]",
// "[::127.0.0.1]", NAT64 "[64:ff9b::7f00:1]", 6to4 "[2002:7f00:1::]"). It
// also refuses "localhost" and names under ".localhost", which resolve to
// loopback (unless allow holds both 127.0.0.1 and ::1), and names under the
// special-use private domains ".internal", ".local" and ".home.arpa",
// which never resolve to a public address.
//
// Any other name passes: its addresses are known only when connecting, and
// may change by then (DNS rebinding), so the Sender's guard checks every
// resolved address again at dial time. CheckURL adds early, clear errors to
// that guard; it does not replace it. Error texts never carry the URL's
// user information, path or query.
func CheckURL(rawURL string, allow []netip.Prefix) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Parse's error quotes the whole URL, secrets included.
		return fmt.Errorf("%w: cannot be parsed", ErrInvalidURL)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("%w: want an absolute http or https URL with a host", ErrInvalidURL)
	}
	host := strings.ToLower(u.Hostname())
	name := strings.TrimSuffix(host, ".")
	a, err := netip.ParseAddr(name)
	if err != nil && numericHost(name) {
		var ok bool
		if a, ok = parseLegacyIPv4(name); !ok {
			return fmt.Errorf("%w: host %q is numeric but not an IPv4 address", ErrInvalidURL, host)
		}
	}
	if a.IsValid() {
		if what := addrBlocked(a, allow); what != "" {
			if plain := a.Unmap().WithZone("").String(); plain != name {
				return fmt.Errorf("%w: host %q is %s, a %s address", ErrBlockedAddress, host, plain, what)
			}
			return fmt.Errorf("%w: host %q is a %s address", ErrBlockedAddress, host, what)
		}
		return nil
	}
	switch {
	case name == "localhost" || strings.HasSuffix(name, ".localhost"):
		for _, lo := range []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1}), netip.IPv6Loopback()} {
			if addrBlocked(lo, allow) != "" {
				return fmt.Errorf("%w: host %q is a loopback name", ErrBlockedAddress, host)
			}
		}
	case strings.HasSuffix(name, ".internal") || strings.HasSuffix(name, ".local") || strings.HasSuffix(name, ".home.arpa"):
		return fmt.Errorf("%w: host %q is in a private-use domain", ErrBlockedAddress, host)
	}
	return nil
}

// numericHost reports whether host's last dot-separated label is a number
// (decimal, or hexadecimal after "0x"), which makes the whole host an IPv4
// address or nothing, as URL parsers and resolvers read it.
func numericHost(host string) bool {
	last := host[strings.LastIndexByte(host, '.')+1:]
	if h, ok := strings.CutPrefix(last, "0x"); ok {
		return strings.Trim(h, "0123456789abcdef") == ""
	}
	return last != "" && strings.Trim(last, "0123456789") == ""
}

// parseLegacyIPv4 parses the IPv4 forms that inet_aton, and so the system
// resolver, accepts besides dotted decimal: one to four parts, each
// decimal, octal (a leading 0) or hexadecimal (a leading 0x), the last part
// filling the bytes that remain ("127.1" is 127.0.0.1, "2130706433" and
// "0x7f000001" are too). host is in lower case.
func parseLegacyIPv4(host string) (netip.Addr, bool) {
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var v uint64
	for i, p := range parts {
		base := 10
		switch {
		case strings.HasPrefix(p, "0x"):
			p, base = p[2:], 16
			if p == "" {
				p = "0" // "0x" alone is zero, as inet_aton reads it
			}
		case len(p) > 1 && p[0] == '0':
			p, base = p[1:], 8
		}
		n, err := strconv.ParseUint(p, base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		if i < len(parts)-1 {
			if n > 255 {
				return netip.Addr{}, false
			}
			v = v<<8 | n
			continue
		}
		rest := uint(8 * (4 - i)) // bits the last part fills
		if n >= 1<<rest {
			return netip.Addr{}, false
		}
		v = v<<rest | n
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}
