package webhook

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// blockedHosts reads testdata/blocked_hosts.txt.
func blockedHosts(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("testdata/blocked_hosts.txt")
	require.NoError(t, err)
	defer f.Close()
	var hosts []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			hosts = append(hosts, line)
		}
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, hosts)
	return hosts
}

func TestCheckURLRefusesBlockedHosts(t *testing.T) {
	t.Parallel()
	for _, host := range blockedHosts(t) {
		t.Run(host, func(t *testing.T) {
			t.Parallel()
			for _, raw := range []string{"http://" + host + "/hook", "https://" + host + ":8443/a?b=c"} {
				if strings.HasSuffix(host, ".") && strings.Contains(raw, ":8443") {
					raw = "https://" + host + "/a?b=c"
				}
				require.ErrorIs(t, CheckURL(raw, nil), ErrBlockedAddress, raw)
			}
			// Where the host is an address literal, the dial-time guard
			// refuses it as well: both apply one rule.
			lit := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSuffix(host, "]"), "["), ".")
			lit, err := url.PathUnescape(lit)
			require.NoError(t, err)
			if a, err := netip.ParseAddr(lit); err == nil {
				assert.False(t, addrAllowed(a, nil), "the guard refuses %s", a)
			} else if a, ok := parseLegacyIPv4(strings.ToLower(lit)); ok {
				assert.False(t, addrAllowed(a, nil), "the guard refuses %s (%s)", a, lit)
			}
		})
	}
}

// TestBlockedHostsCoverGuardTests keeps testdata/blocked_hosts.txt a
// superset of the addresses the dial-time guard's own table refuses.
func TestBlockedHostsCoverGuardTests(t *testing.T) {
	t.Parallel()
	listed := map[string]bool{}
	for _, h := range blockedHosts(t) {
		listed[h] = true
	}
	f, err := parser.ParseFile(token.NewFileSet(), "ssrf_internal_test.go", nil, 0)
	require.NoError(t, err)
	var refused []string
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.CompositeLit)
		if !ok || len(lit.Elts) != 3 {
			return true
		}
		addr, ok1 := lit.Elts[0].(*ast.BasicLit)
		allow, ok2 := lit.Elts[1].(*ast.Ident)
		want, ok3 := lit.Elts[2].(*ast.Ident)
		if ok1 && ok2 && ok3 && addr.Kind == token.STRING && allow.Name == "nil" && want.Name == "false" {
			s, err := strconv.Unquote(addr.Value)
			require.NoError(t, err)
			refused = append(refused, s)
		}
		return true
	})
	require.GreaterOrEqual(t, len(refused), 30, "the guard's table was found")
	for _, s := range refused {
		host := s
		if strings.Contains(s, ":") {
			host = "[" + strings.Replace(s, "%", "%25", 1) + "]"
		}
		assert.True(t, listed[host], "%s is refused by the guard's tests but missing from testdata/blocked_hosts.txt as %s", s, host)
	}
}

func TestParseLegacyIPv4(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string // "" means not an IPv4 address
	}{
		{"127.0.0.1", "127.0.0.1"},
		{"127.1", "127.0.0.1"},
		{"127.0.1", "127.0.0.1"},
		{"10.1.515", "10.1.2.3"},
		{"2130706433", "127.0.0.1"},
		{"0x7f000001", "127.0.0.1"},
		{"0x7f.0.0.1", "127.0.0.1"},
		{"0177.0.0.1", "127.0.0.1"},
		{"017700000001", "127.0.0.1"},
		{"0", "0.0.0.0"},
		{"0x", "0.0.0.0"},
		{"00", "0.0.0.0"},
		{"134744072", "8.8.8.8"},
		{"4294967295", "255.255.255.255"},
		{"4294967296", ""},
		{"256.0.0.1", ""},
		{"1.2.3.256", ""},
		{"1.2.65536", ""},
		{"1.2.3.4.5", ""},
		{"08.0.0.1", ""},
		{"0x1g", ""},
		{"1..1", ""},
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			a, ok := parseLegacyIPv4(tc.in)
			if tc.want == "" {
				assert.False(t, ok, "parsed as %s", a)
				return
			}
			require.True(t, ok)
			assert.Equal(t, tc.want, a.String())
		})
	}
}

func TestCheckURL(t *testing.T) {
	t.Parallel()
	loop := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	only4 := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	tests := []struct {
		name    string
		url     string
		allow   []netip.Prefix
		wantErr error
	}{
		{"public name", "https://example.com/hook", nil, nil},
		{"public name with port", "https://example.com:8443/hook", nil, nil},
		{"name ending in digits and letters", "https://1e100.net/", nil, nil},
		{"hex-looking label that is a name", "http://0x1g/", nil, nil},
		{"public IPv4", "http://8.8.8.8/", nil, nil},
		{"public IPv4 as an integer", "http://134744072/", nil, nil},
		{"public IPv4 in hex", "http://0x08080808/", nil, nil},
		{"public IPv6", "http://[2606:4700:4700::1111]/", nil, nil},
		{"NAT64 of a public address", "http://[64:ff9b::808:808]/", nil, nil},
		{"6to4 of a public address", "http://[2002:808:808::1]/", nil, nil},
		{"relative", "/hook", nil, ErrInvalidURL},
		{"ftp", "ftp://example.com/", nil, ErrInvalidURL},
		{"no host", "http:///hook", nil, ErrInvalidURL},
		{"only a port", "http://:80/hook", nil, ErrInvalidURL},
		{"unparsable", "http://[::1", nil, ErrInvalidURL},
		{"control character", "http://example.com/\x00", nil, ErrInvalidURL},
		{"five numeric parts", "http://1.2.3.4.5/", nil, ErrInvalidURL},
		{"part over 255", "http://256.256.256.256/", nil, ErrInvalidURL},
		{"integer over 32 bits", "http://4294967296/", nil, ErrInvalidURL},
		{"bad octal", "http://08.0.0.1/", nil, ErrInvalidURL},
		{"numeric last label", "http://example.123/", nil, ErrInvalidURL},
		{"loopback", "http://127.0.0.1/", nil, ErrBlockedAddress},
		{"shortened loopback", "http://127.1/", nil, ErrBlockedAddress},
		{"allowed loopback", "http://127.0.0.1:8080/", loop, nil},
		{"allowed shortened loopback", "http://127.1/", loop, nil},
		{"allowed IPv4-mapped loopback", "http://[::ffff:127.0.0.1]/", loop, nil},
		{"allowed NAT64 loopback", "http://[64:ff9b::7f00:1]/", loop, nil},
		{"allowed localhost", "http://localhost:8080/", loop, nil},
		{"localhost with IPv4 loopback allowed only", "http://localhost/", only4, ErrBlockedAddress},
		{"allowed prefix leaves others refused", "http://10.0.0.1/", loop, ErrBlockedAddress},
		{"private-use domain despite an allow list", "http://svc.internal/", loop, ErrBlockedAddress},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := CheckURL(tc.url, tc.allow)
			if tc.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.wantErr)
		})
	}
}

// TestCheckURLErrorsNameTheAddressNotTheSecrets: an error says which
// address the host is and of what kind, and never repeats the user
// information or the query.
func TestCheckURLErrorsNameTheAddressNotTheSecrets(t *testing.T) {
	t.Parallel()
	err := CheckURL("http://admin:hunter2@0x7f000001/hook?token=s3cr3t", nil)
	require.ErrorIs(t, err, ErrBlockedAddress)
	assert.Contains(t, err.Error(), "127.0.0.1")
	assert.Contains(t, err.Error(), "loopback")
	err2 := CheckURL("http://admin:hunter2@[::1/hook?token=s3cr3t", nil)
	require.ErrorIs(t, err2, ErrInvalidURL)
	for _, e := range []error{err, err2} {
		assert.NotContains(t, e.Error(), "hunter2")
		assert.NotContains(t, e.Error(), "s3cr3t")
		assert.NotContains(t, e.Error(), "admin")
	}
}
