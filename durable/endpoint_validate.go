package durable

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"unicode/utf8"
)

const (
	maxURLLen         = 2048
	maxDescriptionLen = 1024
	maxHeaders        = 16
	maxHeaderValueLen = 1024
	maxRateLimit      = 10_000
	maxIDLen          = 64
	maxConcurrency    = 1000 // EndpointInput.MaxConcurrency (gate14)
)

// checkID accepts an application id: 1 to 64 letters, digits, '_', '-',
// '.' or ':'.
func checkID(what, id string) error {
	if id == "" || len(id) > maxIDLen {
		return fmt.Errorf("%w: %s must be 1 to %d bytes", ErrInvalidField, what, maxIDLen)
	}
	for _, c := range []byte(id) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == ':') {
			return fmt.Errorf("%w: %s may hold only letters, digits, '_', '-', '.' and ':'", ErrInvalidField, what)
		}
	}
	return nil
}

// checkURL accepts an absolute http(s) URL; unless private networks are
// allowed, it refuses hosts that are internal by name or address. The
// Sender checks every resolved address again when it connects.
func checkURL(raw string, o *EndpointsOptions) error {
	if len(raw) > maxURLLen {
		return fmt.Errorf("%w: longer than %d bytes", ErrInvalidURL, maxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("%w: want an absolute http or https URL", ErrInvalidURL)
	}
	if o.InsecureAllowPrivateNetworks {
		return nil
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || strings.HasSuffix(host, ".internal") {
		return ErrBlockedURL
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return nil // a name: resolved and checked at dial time
	}
	a = a.Unmap().WithZone("")
	for _, p := range o.AllowNetworks {
		if p.Contains(a) {
			return nil
		}
	}
	if !a.IsGlobalUnicast() || a.IsPrivate() || cgnat.Contains(a) {
		return ErrBlockedURL
	}
	return nil
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// reservedHeaders cannot be set per endpoint: they carry the signature or
// belong to the transport.
var reservedHeaders = map[string]bool{
	"Content-Type": true, "Content-Length": true, "Host": true, "User-Agent": true,
	"Connection": true, "Transfer-Encoding": true, "Te": true, "Trailer": true,
	"Upgrade": true, "Keep-Alive": true, "Proxy-Authorization": true, "Proxy-Connection": true,
}

// normalizeHeaders checks extra headers and canonicalizes their names.
func normalizeHeaders(h map[string]string) (map[string]string, error) {
	if len(h) > maxHeaders {
		return nil, fmt.Errorf("%w: at most %d headers", ErrInvalidField, maxHeaders)
	}
	out := make(map[string]string, len(h))
	for k, v := range h {
		if k == "" || len(k) > 64 || !isToken(k) {
			return nil, fmt.Errorf("%w: header names are 1 to 64 letters, digits, '-' and '_'", ErrInvalidField)
		}
		name := http.CanonicalHeaderKey(k)
		if reservedHeaders[name] || strings.HasPrefix(name, "X-Webhook-") {
			return nil, fmt.Errorf("%w: header %s cannot be set", ErrInvalidField, name)
		}
		if len(v) > maxHeaderValueLen || strings.ContainsAny(v, "\r\n\x00") || !utf8.ValidString(v) {
			return nil, fmt.Errorf("%w: value of header %s", ErrInvalidField, name)
		}
		out[name] = v
	}
	return out, nil
}

func isToken(s string) bool {
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// checkInput validates a whole endpoint and returns its normalized filter
// patterns and headers.
func checkInput(in *EndpointInput, o *EndpointsOptions) (patterns []string, headers map[string]string, err error) {
	if err := checkURL(in.URL, o); err != nil {
		return nil, nil, err
	}
	if len(in.Description) > maxDescriptionLen || !utf8.ValidString(in.Description) {
		return nil, nil, fmt.Errorf("%w: description must be UTF-8 of at most %d bytes", ErrInvalidField, maxDescriptionLen)
	}
	if !(in.RateLimit >= 0 && in.RateLimit <= maxRateLimit) || in.Burst < 0 || in.Burst > maxRateLimit {
		return nil, nil, fmt.Errorf("%w: rate_limit and burst must be between 0 and %d", ErrInvalidField, maxRateLimit)
	}
	if in.MaxConcurrency < 0 || in.MaxConcurrency > maxConcurrency {
		return nil, nil, fmt.Errorf("%w: max_concurrency must be between 0 and %d", ErrInvalidField, maxConcurrency)
	}
	if patterns, err = normalizeFilter(in.Filter); err != nil {
		return nil, nil, err
	}
	if headers, err = normalizeHeaders(in.Headers); err != nil {
		return nil, nil, err
	}
	return patterns, headers, nil
}
