package capture

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// hostAllowed reports whether the page, the stream and the history may be
// served for a request naming host. They show captured deliveries, so a web
// page in the user's browser must not be able to read them by pointing a
// name it controls at this server (DNS rebinding): only IP literals,
// localhost names and the configured hosts are accepted. The capture path
// accepts any host, since tunnels and proxies rewrite it.
func (s *Server) hostAllowed(r *http.Request) bool {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	for _, h := range s.opts.AllowedHosts {
		if strings.EqualFold(h, host) {
			return true
		}
	}
	return false
}
