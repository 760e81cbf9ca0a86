package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
)

// DestinationHeader names the destination in every delivery the relay
// makes. The relay signs each delivery with the secret of the destination
// this header names.
const DestinationHeader = "X-Relay-Destination"

// maxBodyBytes bounds a provider's body: the delivery's envelope around it
// then stays within the 1 MiB a consumer's middleware accepts by default.
const maxBodyBytes = 1<<20 - 1<<10

// Options configures a [Relay]. The zero value gives the defaults; nil is
// the same as the zero value. It is copied by [New].
type Options struct {
	// Logger receives the relay's logs, one line per delivery received
	// among them. Default: silent.
	Logger *slog.Logger

	// ID names this process among the relay processes sharing a database.
	// Default: durable's, unique per process.
	ID string
}

// Relay receives webhooks from providers, verifies, deduplicates and
// stores them, answers at once, and delivers each event durably to the
// destinations its routes name, re-signed with the native scheme.
//
// Each source is the core middleware ([webhook.Middleware]) with the
// source's scheme, in front of a durable inbox: an event is stored, unique
// by source and provider id, before the provider gets its 202. The
// inbox's workers evaluate the routes and publish the event to one
// durable application per destination, with the event's id as the message
// id, so that a run repeated after a crash publishes nothing twice. Every
// destination has its own deliveries, retries and rate limit, so a
// destination that is down delays no other.
//
// Build it with [New], serve [Relay.Handler] (and [Relay.AdminHandler]),
// call [Relay.Start] to deliver, and [Relay.Close] to stop. It is safe
// for concurrent use, and any number of relay processes may share one
// PostgreSQL database.
type Relay struct {
	cfg   *Config
	opts  Options
	close func()
	setup func(context.Context, func(context.Context) error) error

	rt     runtimeAPI
	inbox  inboxAPI
	ep     endpointsAPI
	events *eventTable

	endpoints map[string]string // destination name → endpoint id

	mu      sync.Mutex
	stopGC  chan struct{}
	gcDone  chan struct{}
	started bool
}

// The parts of durable's types the relay uses, free of their transaction
// type, so that one Relay serves both backends.
type runtimeAPI interface {
	Start(context.Context) error
	Stop(context.Context) error
}

type inboxAPI interface {
	Store(context.Context, webhook.Event) (bool, error)
}

type endpointsAPI interface {
	CreateApplication(ctx context.Context, id, name string) (endpoints.Application, error)
	ListEndpoints(ctx context.Context, appID string) ([]endpoints.Endpoint, error)
	CreateEndpoint(ctx context.Context, appID string, in endpoints.Input) (endpoints.Endpoint, string, error)
	UpdateEndpoint(ctx context.Context, appID, endpointID string, upd endpoints.Update) (endpoints.Endpoint, error)
	EnableEndpoint(ctx context.Context, appID, endpointID string) (endpoints.Endpoint, error)
	DeleteEndpoint(ctx context.Context, appID, endpointID string) error
	Publish(ctx context.Context, appID, eventType string, payload []byte, id string) (endpoints.PublishResult, error)
	Resend(ctx context.Context, appID, endpointID, messageID string) error
	Recover(ctx context.Context, appID, endpointID string, since time.Time) (int, error)
	Delivery(ctx context.Context, appID, endpointID, messageID string) (durable.Item, error)
	ListAttempts(ctx context.Context, appID string, f endpoints.AttemptFilter, cursor string, limit int) (endpoints.Page[endpoints.Attempt], error)
	PurgeMessages(ctx context.Context, before time.Time) (int64, error)
}

// New opens cfg.Database (creating a SQLite file if need be), migrates
// it, and makes each destination's application and endpoint match cfg.
// It does not deliver until [Relay.Start]. A destination with
// AllowPrivateNetwork whose host name does not resolve is an error.
func New(ctx context.Context, cfg *Config, opts *Options) (*Relay, error) {
	if cfg == nil {
		return nil, errors.New("relay: New needs a configuration")
	}
	r := &Relay{cfg: cfg, endpoints: map[string]string{}}
	if opts != nil {
		r.opts = *opts
	}
	if r.opts.Logger == nil {
		r.opts.Logger = slog.New(slog.DiscardHandler)
	}
	allow, err := allowNetworks(ctx, cfg)
	if err != nil {
		return nil, err
	}
	eo := r.endpointsOptions(allow)
	if isPostgres(cfg.Database) {
		err = openPostgres(ctx, r, eo)
	} else {
		err = openSQLite(ctx, r, eo)
	}
	if err != nil {
		return nil, err
	}
	if err := r.setup(ctx, r.ensureDestinations); err != nil {
		r.close()
		return nil, err
	}
	return r, nil
}

func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// build attaches the inbox and the endpoints to a runtime over b.
func build[TTx any](ctx context.Context, r *Relay, b durable.Backend[TTx], eo *endpoints.Options) error {
	d := r.cfg.Delivery
	if err := durable.Migrate(ctx, b); err != nil {
		return err
	}
	if err := endpoints.Migrate(ctx, b); err != nil {
		return err
	}
	rt, err := durable.NewRuntime(b, &durable.RuntimeOptions{
		ID: r.opts.ID, JobTimeout: d.JobTimeout, RescueAfter: d.RescueAfter,
		FetchPollInterval: d.PollInterval, Logger: r.opts.Logger,
	})
	if err != nil {
		return err
	}
	in, err := durable.NewInbox(rt, r.route, &durable.InboxOptions{
		MaxBodyBytes: maxBodyBytes,
		Retry:        webhook.Backoff{InitialDelay: 100 * time.Millisecond, MaxDelay: time.Minute, MaxAttempts: 20},
	})
	if err != nil {
		return err
	}
	ep, err := endpoints.New(rt, eo)
	if err != nil {
		return err
	}
	r.rt, r.inbox, r.ep = rt, in, ep
	return nil
}

func (r *Relay) endpointsOptions(allow []netip.Prefix) *endpoints.Options {
	d := r.cfg.Delivery
	signers := make(map[string]*webhook.Signer, len(r.cfg.Destinations))
	for _, dst := range r.cfg.Destinations {
		s, err := webhook.NewSigner(*dst.secret, nil)
		if err == nil {
			signers[dst.Name] = s
		}
	}
	o := &endpoints.Options{
		AttemptTimeout:     d.AttemptTimeout,
		BreakerThreshold:   d.BreakerThreshold,
		BreakerCooldown:    d.BreakerCooldown,
		BreakerMaxCooldown: d.BreakerMaxCooldown,
		MaxPayloadBytes:    1 << 20,
		AllowNetworks:      allow,
		// Each endpoint's stored secret is durable's own; the relay signs
		// with the destination's configured secret instead, found by the
		// destination header the endpoint adds before signing.
		NewSigner: func([]string) (webhook.HeaderSigner, error) { return destSigner(signers), nil },
	}
	if d.Attempts != 0 || d.InitialDelay != 0 || d.MaxDelay != 0 {
		o.Retry = webhook.Backoff{
			MaxAttempts:  d.Attempts,
			InitialDelay: cmpOr(d.InitialDelay, 5*time.Second),
			MaxDelay:     cmpOr(d.MaxDelay, time.Hour),
		}
	}
	return o
}

func cmpOr(a, b time.Duration) time.Duration {
	if a != 0 {
		return a
	}
	return b
}

// destSigner signs a delivery with the secret of the destination that
// [DestinationHeader] names.
type destSigner map[string]*webhook.Signer

func (s destSigner) SignHeaders(h http.Header, id string, ts time.Time, body []byte) error {
	signer, ok := s[h.Get(DestinationHeader)]
	if !ok {
		return errors.New("relay: the delivery names no configured destination")
	}
	return signer.SignHeaders(h, id, ts, body)
}

// allowNetworks returns the addresses of the destinations that may be on
// private networks: each one's IP address, or every address its host name
// resolves to now.
func allowNetworks(ctx context.Context, cfg *Config) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, d := range cfg.Destinations {
		if !d.AllowPrivateNetwork {
			continue
		}
		u, err := url.Parse(d.URL)
		if err != nil {
			return nil, err
		}
		host := u.Hostname()
		if a, err := netip.ParseAddr(host); err == nil {
			a = a.Unmap().WithZone("")
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		addrs, err := net.DefaultResolver.LookupNetIP(rctx, "ip", host)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("relay: destination %s: resolving %s: %w", d.Name, clip(host), err)
		}
		for _, a := range addrs {
			a = a.Unmap().WithZone("")
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return out, nil
}

// appID is the durable application of a destination.
func appID(destination string) string { return "relay." + destination }

// ensureDestinations gives each destination an application with one
// enabled endpoint whose URL and limits are the configuration's. It runs
// under the setup lock, so that relay processes starting together create
// one endpoint per destination, not one each.
func (r *Relay) ensureDestinations(ctx context.Context) error {
	for _, d := range r.cfg.Destinations {
		app := appID(d.Name)
		if _, err := r.ep.CreateApplication(ctx, app, d.Name); err != nil && !errors.Is(err, endpoints.ErrDuplicateApplication) {
			return fmt.Errorf("relay: destination %s: %w", d.Name, err)
		}
		eps, err := r.ep.ListEndpoints(ctx, app)
		if err != nil {
			return fmt.Errorf("relay: destination %s: %w", d.Name, err)
		}
		headers := map[string]string{DestinationHeader: d.Name}
		if len(eps) == 0 {
			ep, _, err := r.ep.CreateEndpoint(ctx, app, endpoints.Input{
				URL: d.URL, Description: "relay destination " + d.Name,
				RateLimit: d.RateLimit, Burst: d.Burst, Headers: headers,
			})
			if err != nil {
				return fmt.Errorf("relay: destination %s: %w", d.Name, err)
			}
			r.endpoints[d.Name] = ep.ID
			continue
		}
		ep := eps[0]
		for _, extra := range eps[1:] { // never deliver twice to one destination
			if err := r.ep.DeleteEndpoint(ctx, app, extra.ID); err != nil {
				return fmt.Errorf("relay: destination %s: %w", d.Name, err)
			}
		}
		if ep.URL != d.URL || ep.RateLimit != d.RateLimit || ep.Burst != d.Burst || ep.Headers[DestinationHeader] != d.Name || len(ep.Headers) != 1 {
			u, rl, b := d.URL, d.RateLimit, d.Burst
			if _, err := r.ep.UpdateEndpoint(ctx, app, ep.ID, endpoints.Update{URL: &u, RateLimit: &rl, Burst: &b, Headers: &headers}); err != nil {
				return fmt.Errorf("relay: destination %s: %w", d.Name, err)
			}
		}
		if !ep.Enabled {
			r.opts.Logger.Warn("relay: enabling destination", "destination", d.Name, "reason", ep.DisabledReason)
			if _, err := r.ep.EnableEndpoint(ctx, app, ep.ID); err != nil {
				return fmt.Errorf("relay: destination %s: %w", d.Name, err)
			}
		}
		r.endpoints[d.Name] = ep.ID
	}
	return nil
}

// Handler returns the providers' handler: each source's path, verified
// with its scheme, its replay guard and its dedupe by provider id. A
// genuine delivery is stored and answered 202 {"status":"accepted"} (or
// {"status":"duplicate"}); forged, stale or malformed ones get the
// middleware's 400 or 401 and are never stored; a body that is not JSON
// gets 415. Other paths are 404.
func (r *Relay) Handler() http.Handler {
	mux := http.NewServeMux()
	for i := range r.cfg.Sources {
		s := &r.cfg.Sources[i]
		auth, _ := newAuthenticator(s.Scheme, *s.secret, s.Tolerance) // checked by ParseConfig
		mw := webhook.Middleware(auth, &webhook.MiddlewareOptions{MaxBodyBytes: maxBodyBytes, Logger: r.opts.Logger})
		mux.Handle("POST "+s.Path, mw(r.receive(s.Name)))
	}
	return mux
}

// receive stores a verified delivery of source as an inbox event whose id
// is "source:provider id".
func (r *Relay) receive(source string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ev, _ := webhook.EventFromContext(req.Context())
		if !json.Valid(ev.Payload) {
			webhook.WriteError(w, http.StatusUnsupportedMediaType, webhook.ErrorResponse{Code: "unsupported_body", Message: "the relay accepts JSON bodies only"})
			return
		}
		if ev.ID == "" {
			ev.ID = webhook.NewMessageID() // the provider sent none: not deduplicated
		}
		ev.ID = source + ":" + ev.ID
		if len(ev.ID) > 255 {
			webhook.WriteError(w, http.StatusBadRequest, webhook.ErrorResponse{Code: "invalid_id", Message: "the message id is too long"})
			return
		}
		dup, err := r.inbox.Store(req.Context(), ev)
		if err != nil {
			r.opts.Logger.Error("relay: storing event", "id", ev.ID, "error", err)
			w.Header().Set("Retry-After", "5")
			webhook.WriteError(w, http.StatusServiceUnavailable, webhook.ErrorResponse{Code: "store_unavailable"})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		if dup {
			_, _ = w.Write([]byte(`{"status":"duplicate"}` + "\n"))
			return
		}
		_, _ = w.Write([]byte(`{"status":"accepted"}` + "\n"))
	})
}

// route is the inbox's handler: it records where the event goes and
// publishes it to each destination, idempotently by the event's id.
func (r *Relay) route(ctx context.Context, ev webhook.Event) error {
	source, _, ok := strings.Cut(ev.ID, ":")
	if _, known := r.cfg.source(source); !ok || !known {
		return webhook.Unprocessable(fmt.Errorf("relay: event %q is of no configured source", clip(ev.ID)))
	}
	typ := ev.Type
	if typ == "" {
		typ = untyped
	}
	if !validType(typ) {
		return webhook.Unprocessable(fmt.Errorf("relay: event type %q is not dot-separated letters, digits, '_' and '-'", clip(typ)))
	}
	p := r.cfg.plan(source, ev.Type, ev.Payload)
	if err := r.events.insert(ctx, ev.ID, source, typ, time.Now(), p); err != nil {
		return err
	}
	for _, d := range p.Destinations {
		_, err := r.ep.Publish(ctx, appID(d), typ, ev.Payload, ev.ID)
		if errors.Is(err, endpoints.ErrInvalidField) || errors.Is(err, durable.ErrPayloadTooLarge) || errors.Is(err, durable.ErrInvalidID) {
			return webhook.Unprocessable(fmt.Errorf("relay: publishing to %s: %w", d, err))
		}
		if err != nil {
			return fmt.Errorf("relay: publishing to %s: %w", d, err)
		}
	}
	return nil
}

// Start starts delivering in the background, and an hourly purge of the
// history older than durable's retention (7 days). ctx is for starting
// only.
func (r *Relay) Start(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		return errors.New("relay: already started")
	}
	if err := r.rt.Start(ctx); err != nil {
		return err
	}
	r.started = true
	r.stopGC, r.gcDone = make(chan struct{}), make(chan struct{})
	go r.purge(r.stopGC, r.gcDone)
	return nil
}

const retention = 7 * 24 * time.Hour

func (r *Relay) purge(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		before := time.Now().Add(-retention)
		if _, err := r.ep.PurgeMessages(ctx, before); err != nil {
			r.opts.Logger.Error("relay: purging messages", "error", err)
		}
		if err := r.events.purge(ctx, before); err != nil {
			r.opts.Logger.Error("relay: purging events", "error", err)
		}
		cancel()
	}
}

// Close stops delivering, waiting for deliveries in flight until ctx is
// done (those still running then are put back, to run again later), and
// closes the database. Stop serving [Relay.Handler] first.
func (r *Relay) Close(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var err error
	if r.started {
		close(r.stopGC)
		<-r.gcDone
		err = r.rt.Stop(ctx)
		r.started = false
	}
	r.close()
	return err
}
