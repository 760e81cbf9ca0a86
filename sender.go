package webhook

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"time"
)

// Defaults used by [NewSender] for zero option fields.
const (
	// DefaultAttemptTimeout bounds one attempt, from sending the request to
	// reading the response.
	DefaultAttemptTimeout = 15 * time.Second

	// DefaultMaxResponseBytes is how much of a response body a report keeps.
	DefaultMaxResponseBytes = 4 << 10
)

// maxDrainBytes is how much of a response body is read and discarded after
// the report's snippet, so the connection can be reused. A longer body
// closes the connection instead: reading it would cost more than a new one.
const maxDrainBytes = 64 << 10

// SenderOptions configures a [Sender]. The zero value is not enough: set
// Signer or Secret. A nil *SenderOptions is an error for the same reason.
// The options are copied by [NewSender]: later changes have no effect.
type SenderOptions struct {
	// Signer signs every attempt. [*Signer] signs in this package's wire
	// format; any [HeaderSigner] (another scheme) works. Set Signer or
	// Secret, not both.
	Signer HeaderSigner

	// Secret is a shortcut for Signer: a [Signer] with this secret and
	// default options. It is copied.
	Secret []byte

	// Retry decides whether and when a failed attempt is retried.
	// Default: the zero [Backoff] (8 attempts, full jitter, waits of up to
	// 1 s, 2 s, … 64 s; a Retry-After is honoured up to 5 minutes).
	Retry RetryPolicy

	// AttemptTimeout bounds one attempt. Default: [DefaultAttemptTimeout]
	// (15 s). Negative values are an error.
	AttemptTimeout time.Duration

	// RateLimit limits the attempts per endpoint (per URL as passed to
	// Send) that have no entry in EndpointRateLimits. Default: no limit.
	RateLimit RateLimit

	// EndpointRateLimits sets the limit of particular endpoints, keyed by
	// URL exactly as passed to Send. The map is copied.
	EndpointRateLimits map[string]RateLimit

	// MaxRateLimiters bounds how many endpoints' rate limiters are kept at
	// a time; see [DefaultMaxRateLimiters] (10 000).
	MaxRateLimiters int

	// BlockPrivateNetworks turns on the guard against server-side request
	// forgery, for providers that deliver to user-supplied URLs: after DNS
	// resolution, at connection time, the Sender refuses loopback, private,
	// link-local, shared (CGNAT), unspecified, multicast, reserved and
	// cloud-metadata addresses, IPv4 and IPv6 (IPv4-mapped included). A
	// refused attempt fails with [ErrBlockedAddress] and is not retried.
	// With the guard on, proxies from the environment are not used (the
	// guard would check the proxy's address, not the endpoint's).
	// Default: off.
	BlockPrivateNetworks bool

	// AllowNetworks are exempted from the guard, for tests and internal
	// deployments (for example 127.0.0.0/8, or 10.1.0.0/16).
	AllowNetworks []netip.Prefix

	// Client sends the requests. Default: a client with a transport tuned
	// for many deliveries to many hosts (keep-alive, 64 idle connections
	// per host). The Sender uses a copy that never follows redirects. It
	// cannot be combined with BlockPrivateNetworks, which needs the
	// Sender's own dialer; use WrapTransport to add to that one instead.
	Client *http.Client

	// WrapTransport, if set, wraps the transport that sends the requests
	// (the Sender's own, or Client's; [http.DefaultTransport] when Client
	// has none), for example with a tracing or logging RoundTripper. The
	// wrapper sees every attempt's request, signed, and may add headers
	// (such as traceparent) but must not change the body, which is signed.
	// The network guard of BlockPrivateNetworks stays in force: it runs in
	// the Sender's dialer, below any wrapper, so a wrapped transport is
	// refused the same addresses. The request's context tells which attempt
	// it belongs to: see [AttemptFromContext]. A wrapper returning nil is an
	// error. Default: nil, no wrapper.
	WrapTransport func(http.RoundTripper) http.RoundTripper

	// MaxResponseBytes is how much of each response body the report keeps.
	// Default: [DefaultMaxResponseBytes] (4 KiB). Negative values are an
	// error.
	MaxResponseBytes int

	// UserAgent is sent with every attempt. Default: "signedhooks-webhook".
	UserAgent string

	// OnAttempt, if set, is called after every attempt of [Sender.Send],
	// before any wait, for logs and metrics. It runs on the sending
	// goroutine, so it must be quick; it must not keep a.Response.
	OnAttempt func(a AttemptReport)

	// Now returns the current time, used for signatures and reports.
	// Default: time.Now.
	Now func() time.Time

	// Sleep waits for d or until ctx is done, whichever comes first, and
	// returns ctx.Err() in the second case. The Sender waits with it between
	// attempts and for rate limits. Default: a timer and a select on
	// ctx.Done(). Tests pass a function that advances a fake clock.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Sender delivers signed webhooks with retries. Build one with [NewSender]
// and share it: it is safe for concurrent use, reuses connections, and holds
// no per-delivery state.
type Sender struct {
	signer    HeaderSigner
	native    *Signer // signer, when it is this package's, for its fast path
	typeField string  // the envelope's event-type field; see TypeFielder
	retry     RetryPolicy
	timeout   time.Duration
	limits    *limiters
	client    *http.Client
	maxResp   int
	userAgent string
	onAttempt func(AttemptReport)
	wrapped   bool // WrapTransport was set: requests carry an attemptInfo
	now       func() time.Time
	sleep     func(context.Context, time.Duration) error
}

// NewSender returns a Sender configured by opts. It returns an error when
// neither or both of Signer and Secret are set, an error wrapping
// [ErrSecretTooShort] for a short Secret, and an error for negative
// durations or sizes, for Client combined with BlockPrivateNetworks, or for
// a WrapTransport that returns nil.
func NewSender(opts *SenderOptions) (*Sender, error) {
	if opts == nil {
		return nil, errors.New("webhook: NewSender needs options with a Signer or a Secret")
	}
	o := *opts
	s := &Sender{
		signer:    o.Signer,
		retry:     o.Retry,
		timeout:   o.AttemptTimeout,
		maxResp:   o.MaxResponseBytes,
		userAgent: orDefault(o.UserAgent, "signedhooks-webhook"),
		onAttempt: o.OnAttempt,
		now:       o.Now,
		sleep:     o.Sleep,
	}
	switch {
	case o.Signer != nil && o.Secret != nil:
		return nil, errors.New("webhook: set Signer or Secret in SenderOptions, not both")
	case o.Signer == nil && o.Secret == nil:
		return nil, errors.New("webhook: NewSender needs options with a Signer or a Secret")
	case o.Signer == nil:
		signer, err := NewSigner(o.Secret, nil)
		if err != nil {
			return nil, err
		}
		s.signer = signer
	}
	s.setSigner(s.signer)
	if o.AttemptTimeout < 0 || o.MaxResponseBytes < 0 {
		return nil, errors.New("webhook: negative AttemptTimeout or MaxResponseBytes")
	}
	if o.Client != nil && o.BlockPrivateNetworks {
		return nil, errors.New("webhook: BlockPrivateNetworks needs the Sender's own client; leave Client nil")
	}
	if s.retry == nil {
		s.retry = Backoff{}
	}
	if s.timeout == 0 {
		s.timeout = DefaultAttemptTimeout
	}
	if s.maxResp == 0 {
		s.maxResp = DefaultMaxResponseBytes
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.sleep == nil {
		s.sleep = sleep
	}
	s.limits = newLimiters(o.RateLimit, o.EndpointRateLimits, o.MaxRateLimiters)
	if o.Client != nil {
		c := *o.Client
		s.client = &c
	} else {
		var allow []netip.Prefix
		if o.BlockPrivateNetworks {
			allow = append(allow, o.AllowNetworks...)
		}
		s.client = &http.Client{Transport: newTransport(o.BlockPrivateNetworks, allow)}
	}
	if o.WrapTransport != nil {
		rt := s.client.Transport
		if rt == nil {
			rt = http.DefaultTransport
		}
		if s.client.Transport = o.WrapTransport(rt); s.client.Transport == nil {
			return nil, errors.New("webhook: WrapTransport returned nil")
		}
		s.wrapped = true
	}
	s.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return s, nil
}

// setSigner makes signer the Sender's, with what follows from it: the
// fast path for this package's Signer and the envelope's type field.
func (s *Sender) setSigner(signer HeaderSigner) {
	s.signer = signer
	s.native, _ = signer.(*Signer)
	s.typeField = defaultTypeField
	if tf, ok := signer.(TypeFielder); ok && tf.TypeField() != "" {
		s.typeField = tf.TypeField()
	}
}

// WithSigner returns a Sender that signs with signer and is s in every
// other respect: it sends through s's client, and so shares its
// kept-alive connections, its guard against private networks and its
// transport wrapper, and it shares s's rate limiters and options. A
// provider delivering to many destinations, each with a secret of its
// own, derives one Sender per destination from one base Sender, so that
// destinations on the same host reuse each other's connections and the
// idle connections of all of them stay within the base's bounds (512,
// 64 per host, for the Sender's own client). CloseIdleConnections on any
// of them closes the idle connections of all of them. A nil signer is an
// error.
func (s *Sender) WithSigner(signer HeaderSigner) (*Sender, error) {
	if signer == nil {
		return nil, errors.New("webhook: WithSigner needs a signer")
	}
	d := *s
	d.setSigner(signer)
	return &d, nil
}

// newTransport returns a transport tuned for deliveries: connections are
// kept alive and enough of them stay idle per host for concurrent senders
// (net/http's default of 2 makes every third concurrent delivery to one host
// open and close a connection).
func newTransport(guard bool, allow []netip.Prefix) *http.Transport {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          512,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	if guard {
		d.Control = guardControl(allow)
		t.Proxy = nil
	}
	return t
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
