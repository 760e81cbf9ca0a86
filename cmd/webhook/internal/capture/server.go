// Package capture is the capture server behind "webhook listen": it records
// every request to one path byte for byte, verifies its signature when a
// scheme and secret are known, optionally relays it to a local URL, keeps a
// bounded history served as JSON, counts deliveries by verdict and type,
// replays them to a URL, and streams new deliveries to a live page. It
// stays bounded in memory and time whatever senders send.
package capture

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/signedhooks/webhook"
)

// Defaults for zero [Options] fields.
const (
	DefaultPath         = "/webhook"
	DefaultHistory      = 1000
	DefaultHistoryBytes = 64 << 20
	DefaultMaxBodyBytes = 1 << 20
	DefaultClientBuffer = 256
	DefaultMaxClients   = 64
	DefaultBodyTimeout  = 30 * time.Second
	DefaultInFlight     = 32 << 20
)

// Options configures a [Server]. The zero value gives the defaults.
type Options struct {
	// Path is where deliveries are captured: requests to Path and below it,
	// with any method. Default: [DefaultPath]. It must not be "/" nor one of
	// the paths the server itself serves (/events, /history, /summary,
	// /search, /app.js, /app.css).
	Path string

	// History is how many deliveries are kept. Default: [DefaultHistory].
	History int

	// HistoryBytes bounds the memory the history holds; the oldest
	// deliveries are dropped first. Default: [DefaultHistoryBytes] (64 MiB).
	HistoryBytes int64

	// MaxBodyBytes is the largest body kept; a larger one is truncated and
	// answered 413. Default: [DefaultMaxBodyBytes] (1 MiB).
	MaxBodyBytes int64

	// MaxInFlightBytes bounds the memory held by the bodies being read at
	// once; a delivery that would need more is answered 503 with
	// Retry-After and recorded without its body. Default:
	// [DefaultInFlight] (32 MiB); a value under four times MaxBodyBytes is
	// raised to that, so one body of the largest size can always be read.
	MaxInFlightBytes int64

	// BodyTimeout is how long a sender has to send the body, counted from
	// the end of the header; a slower one is cut off and its delivery
	// recorded as invalid. It takes effect when the Server is served by
	// net/http. Default: [DefaultBodyTimeout].
	BodyTimeout time.Duration

	// Authenticator, when not nil, checks every delivery: a
	// [*webhook.Verifier] for this module's scheme, or the verifier of
	// another scheme (standardwebhooks, stripesig, githubsig). Deliveries
	// that fail are still recorded, with the reason, and answered 400
	// (missing or malformed signature) or 401 (any other failure), as the
	// middleware of this module would.
	Authenticator webhook.Authenticator

	// Signer, when not nil, signs replayed deliveries afresh (see
	// [Server.Replay]); without it a replay carries the original headers.
	Signer webhook.HeaderSigner

	// Forward, when not empty, is a URL each delivery is relayed to, with
	// its method, headers and body, when it verified (every delivery when
	// Authenticator is nil). The sender then gets the local status, or 502 when
	// the local endpoint could not be reached.
	Forward string

	// ForwardClient relays and replays deliveries. Default: a client with
	// a 30 second timeout that does not follow redirects.
	ForwardClient *http.Client

	// Log receives a report of each delivery for a person to read. nil
	// prints nothing. Quiet shortens each report to one line.
	Log   io.Writer
	Quiet bool

	// ClientBuffer is how many deliveries may wait for one live page; a
	// page that falls further behind is disconnected, and its browser
	// reconnects and resumes from the history. Default: [DefaultClientBuffer].
	ClientBuffer int

	// MaxClients bounds the live pages connected at once; more are answered
	// 503. Default: [DefaultMaxClients].
	MaxClients int

	// AllowedHosts are host names (without port) under which the page, the
	// stream and the history are served, besides IP addresses and
	// localhost, which always are. Other names are refused with 403 so a
	// web site cannot read captured deliveries through DNS rebinding.
	AllowedHosts []string

	// Now returns the current time. Default: time.Now.
	Now func() time.Time
}

// Server captures deliveries and serves the history and live page. Build one
// with [New]; it is safe for concurrent use. Call [Server.Close] before
// shutting down the HTTP server so the live streams end.
type Server struct {
	opts    Options
	forward *url.URL
	client  *http.Client // relays and replays

	mu      sync.Mutex
	hist    *history
	clients map[*client]struct{}
	totals  Totals

	inflight atomic.Int64 // bytes held by bodies being read
	closed   bool
	done     chan struct{}

	logMu sync.Mutex
}

// New returns a Server for opts (nil means the defaults). It returns an error
// for an invalid Path, negative sizes or a forward URL that is not absolute
// http or https.
func New(opts *Options) (*Server, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Path == "" {
		o.Path = DefaultPath
	}
	if err := checkPath(o.Path); err != nil {
		return nil, err
	}
	if o.History < 0 || o.HistoryBytes < 0 || o.MaxBodyBytes < 0 || o.ClientBuffer < 0 || o.MaxClients < 0 || o.BodyTimeout < 0 || o.MaxInFlightBytes < 0 {
		return nil, errors.New("capture: negative size")
	}
	o.History = orInt(o.History, DefaultHistory)
	o.HistoryBytes = orInt64(o.HistoryBytes, DefaultHistoryBytes)
	o.MaxBodyBytes = orInt64(o.MaxBodyBytes, DefaultMaxBodyBytes)
	if o.MaxInFlightBytes == 0 {
		o.MaxInFlightBytes = DefaultInFlight
	}
	o.MaxInFlightBytes = max(o.MaxInFlightBytes, 4*o.MaxBodyBytes)
	o.ClientBuffer = orInt(o.ClientBuffer, DefaultClientBuffer)
	o.MaxClients = orInt(o.MaxClients, DefaultMaxClients)
	if o.BodyTimeout == 0 {
		o.BodyTimeout = DefaultBodyTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.AllowedHosts = append([]string(nil), o.AllowedHosts...)
	s := &Server{
		opts:    o,
		hist:    newHistory(o.History, o.HistoryBytes),
		clients: make(map[*client]struct{}),
		totals:  Totals{Verdicts: make(map[string]int64), Types: make(map[string]int64)},
		done:    make(chan struct{}),
	}
	if o.Forward != "" {
		u, err := url.Parse(o.Forward)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, errors.New("capture: forward URL must be an absolute http or https URL")
		}
		s.forward = u
	}
	s.client = o.ForwardClient
	if s.client == nil {
		s.client = defaultClient()
	}
	return s, nil
}

func checkPath(p string) error {
	if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "?# ") {
		return fmt.Errorf("capture: path %q must start with / and have no query", p)
	}
	switch base := strings.TrimSuffix(p, "/"); {
	case base == "", base == "/events", base == "/history", base == "/app.js", base == "/app.css",
		base == "/summary", base == "/search",
		strings.HasPrefix(base, "/history/"):
		return fmt.Errorf("capture: path %q is used by the server itself", p)
	}
	return nil
}

// Path returns the path deliveries are captured at.
func (s *Server) Path() string { return s.opts.Path }

// ServeHTTP captures requests to the capture path and serves the page, the
// event stream and the history everywhere else.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	base := strings.TrimSuffix(s.opts.Path, "/")
	if p == base || strings.HasPrefix(p, base+"/") {
		s.capture(w, r)
		return
	}
	if !s.hostAllowed(r) {
		http.Error(w, "host not allowed; start listen with -allow-host", http.StatusForbidden)
		return
	}
	if strings.HasPrefix(p, "/history/") && strings.HasSuffix(p, "/replay") {
		s.serveReplay(w, r, strings.TrimSuffix(strings.TrimPrefix(p, "/history/"), "/replay"))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	switch {
	case p == "/" || p == "/app.js" || p == "/app.css":
		servePage(w, r)
	case p == "/events":
		s.serveEvents(w, r)
	case p == "/history":
		s.serveHistory(w, r)
	case p == "/summary":
		s.serveTotals(w, r)
	case p == "/search":
		s.serveSearch(w, r)
	case strings.HasPrefix(p, "/history/"):
		s.serveEntry(w, r, strings.TrimPrefix(p, "/history/"))
	default:
		http.NotFound(w, r)
	}
}

// Close ends every live stream and makes new ones fail; capturing goes on.
// It is safe to call more than once.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.done)
	}
}

// Len returns the number of deliveries held in the history.
func (s *Server) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hist.len()
}

func orInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func orInt64(v, def int64) int64 {
	if v == 0 {
		return def
	}
	return v
}

// defaultClient relays and replays when no client is given.
func defaultClient() *http.Client {
	return &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
