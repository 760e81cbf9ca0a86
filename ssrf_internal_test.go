package webhook

import (
	"net/netip"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAddrAllowed(t *testing.T) {
	t.Parallel()
	loop := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	tests := []struct {
		addr  string
		allow []netip.Prefix
		want  bool
	}{
		{"8.8.8.8", nil, true},
		{"1.1.1.1", nil, true},
		{"2606:4700:4700::1111", nil, true},
		{"::ffff:8.8.8.8", nil, true},
		{"127.0.0.1", nil, false},
		{"127.255.255.254", nil, false},
		{"::1", nil, false},
		{"::ffff:127.0.0.1", nil, false},
		{"0.0.0.0", nil, false},
		{"::", nil, false},
		{"10.1.2.3", nil, false},
		{"172.16.0.1", nil, false},
		{"172.31.255.255", nil, false},
		{"172.32.0.1", nil, true},
		{"192.168.1.1", nil, false},
		{"::ffff:192.168.1.1", nil, false},
		{"100.64.0.1", nil, false},
		{"100.100.100.200", nil, false},
		{"169.254.169.254", nil, false},
		{"::ffff:169.254.169.254", nil, false},
		{"fd00:ec2::254", nil, false},
		{"fe80::1", nil, false},
		{"fe80::1%eth0", nil, false},
		{"fc00::1", nil, false},
		{"224.0.0.1", nil, false},
		{"239.255.255.250", nil, false},
		{"ff02::1", nil, false},
		{"255.255.255.255", nil, false},
		{"240.0.0.1", nil, false},
		{"192.0.0.192", nil, false},
		{"198.18.0.1", nil, false},
		{"64:ff9b::7f00:1", nil, false}, // NAT64 of 127.0.0.1
		{"64:ff9b::808:808", nil, true}, // NAT64 of 8.8.8.8
		{"2002:7f00:1::1", nil, false},  // 6to4 of 127.0.0.1
		{"2002:808:808::1", nil, true},  // 6to4 of 8.8.8.8
		{"::127.0.0.1", nil, false},     // IPv4-compatible
		{"2001:db8::1", nil, false},     // documentation
		{"127.0.0.1", loop, true},
		{"::1", loop, true},
		{"::ffff:127.0.0.1", loop, true},
		{"10.0.0.1", loop, false},
		{"10.1.2.3", []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}, true},
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			t.Parallel()
			a := netip.MustParseAddr(tc.addr)
			assert.Equal(t, tc.want, addrAllowed(a, tc.allow))
		})
	}
}

func TestGuardControlRejectsUnparsable(t *testing.T) {
	t.Parallel()
	ctl := guardControl(nil)
	assert.ErrorIs(t, ctl("tcp", "not-an-address", nil), ErrBlockedAddress)
	assert.ErrorIs(t, ctl("tcp", "127.0.0.1:80", nil), ErrBlockedAddress)
	assert.ErrorIs(t, ctl("tcp6", "[::1]:443", nil), ErrBlockedAddress)
	assert.NoError(t, ctl("tcp", "93.184.216.34:443", nil))
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://example.com/hook", "https://example.com/hook"},
		{"https://user:pass@example.com/hook", "https://example.com/hook"},
		{"https://example.com/hook?token=s3cret", "https://example.com/hook?redacted"},
		{"https://example.com/hook#frag", "https://example.com/hook"},
		{"http://127.0.0.1:8080/webhook", "http://127.0.0.1:8080/webhook"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			u, err := parseURLForTest(tc.in)
			assert.NoError(t, err)
			assert.Equal(t, tc.want, u)
		})
	}
}

func parseURLForTest(s string) (string, error) {
	t, err := newTarget(s)
	return t.redacted, err
}

// FuzzRedactURL: whatever the URL, its redacted form carries no user info
// and no query but the "redacted" marker.
func FuzzRedactURL(f *testing.F) {
	for _, s := range []string{
		"https://user:pass@example.com/hook?token=x#f",
		"http://127.0.0.1:8080/webhook",
		"https://example.com/a%2Fb?",
		"https://u@h/p?q",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		tg, err := newTarget(raw)
		if err != nil {
			return
		}
		u, err := url.Parse(tg.redacted)
		if err != nil {
			t.Fatalf("redacted form %q of %q does not parse: %v", tg.redacted, raw, err)
		}
		if u.User != nil {
			t.Fatalf("redacted form %q of %q keeps user info", tg.redacted, raw)
		}
		if u.RawQuery != "" && u.RawQuery != "redacted" {
			t.Fatalf("redacted form %q of %q keeps a query", tg.redacted, raw)
		}
	})
}
