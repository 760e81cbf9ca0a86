package endpoints

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/internal/core"
)

// Options configures [Service]. The zero value gives the
// defaults; a nil *Options is the same as the zero value. It is
// copied by [New].
type Options struct {
	// MaxWorkers is how many deliveries this process runs at once.
	// Default: 100.
	MaxWorkers int

	// EnqueueOnly makes this process publish only: its [durable.Runtime] does not
	// deliver, other processes do. Default: false, deliver while the
	// Runtime runs.
	EnqueueOnly bool

	// Retry decides whether and when a failed delivery is retried, with
	// the meaning it has in [webhook.Sender.Send] (a Retry-After honoured up
	// to the policy's longest wait); when it gives up, the delivery is kept
	// as a dead letter. The waits of an open circuit breaker (see
	// BreakerThreshold) spend no attempt. Default: 8 attempts over
	// 27 h 35 min, the first at once and the others after
	//
	//	webhook.Schedule{5 * time.Second, 5 * time.Minute, 30 * time.Minute,
	//		2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}
	//
	// with a Retry-After honoured up to 10 hours.
	Retry webhook.RetryPolicy

	// AttemptTimeout bounds one request. Default: 30 s.
	AttemptTimeout time.Duration

	// MaxConcurrency is how many attempts to one endpoint may run at once
	// over every process sharing the database, for endpoints that do not
	// set [Input.MaxConcurrency]: a slow, hanging or failing
	// endpoint then holds at most that many workers of the fleet, and the
	// others go on delivering. Default: 8.
	MaxConcurrency int

	// MaxPayloadBytes bounds the body a published message is sent as, the
	// envelope around its payload; larger ones are refused with
	// [durable.ErrPayloadTooLarge]. Default: 1 MiB, the default body limit of the
	// consumer's middleware.
	MaxPayloadBytes int

	// MaxEndpointsPerApplication bounds the endpoints of one application,
	// and so the fan-out of one message; [Service.CreateEndpoint]
	// refuses more with [ErrTooManyEndpoints]. Default: 1000.
	MaxEndpointsPerApplication int

	// RotationGrace is how long a replaced secret keeps signing after
	// [Service.RotateSecret], so that the header carries one "s=" for
	// the new and one for the old secret until every receiver knows the
	// new one. Default: 24 hours.
	RotationGrace time.Duration

	// DisableAfter is how long an endpoint may fail continuously (every
	// attempt since the first failure failed) before it is disabled. Keep
	// it above the horizon of Retry, so that a message to an endpoint that
	// fails now and then is given up before its endpoint is; an endpoint
	// whose breaker stays open keeps its deliveries waiting until then,
	// and [Service.Recover] re-enqueues them once it is enabled again.
	// Default: 5 days.
	DisableAfter time.Duration

	// OnDisable, if set, is called once when a delivery disables an
	// endpoint, so the provider can tell its customer why: its
	// DisabledReason is "failing" (failing for DisableAfter) or "gone"
	// (it answered 410 Gone, which disables it at once). It runs on the
	// delivery worker and must be quick.
	OnDisable func(ctx context.Context, e Endpoint)

	// BreakerThreshold is how many consecutive failed attempts to an
	// endpoint, of the kind that is retried ([webhook.ClassRetry]), open
	// its circuit breaker ([Breaker]): its deliveries then wait without
	// spending attempts, one probe goes after each cooldown, and a probe
	// that the endpoint answers lets the rest through. Default: 5. A
	// negative value turns the breaker off.
	BreakerThreshold int

	// BreakerCooldown is the wait before the first probe after the
	// breaker opens; it doubles after each failed probe, up to
	// BreakerMaxCooldown. Default: 1 minute.
	BreakerCooldown time.Duration

	// BreakerMaxCooldown caps the wait between probes. Default: 1 hour.
	BreakerMaxCooldown time.Duration

	// OnBreaker, if set, is called when a delivery opens, reopens or
	// closes an endpoint's breaker, with the endpoint and its new state in
	// Breaker. It runs on the delivery worker and must be quick.
	OnBreaker func(ctx context.Context, e Endpoint)

	// WrapTransport, if set, wraps the transport of every endpoint's
	// Sender, as [webhook.SenderOptions.WrapTransport] does: for tracing
	// (each delivery is a [webhook.Sender.Attempt], whose context holds
	// the job run's). The network guard stays in force below it.
	WrapTransport func(http.RoundTripper) http.RoundTripper

	// EventTypes are the event types the provider declares, with a
	// description and optionally a JSON Schema and an example payload: the
	// management API lists them (GET /event-types), the customer portal
	// offers them, and when some are declared, an endpoint's filter given
	// at creation or update must name declared types or prefixes of them
	// ([ErrInvalidFilter] otherwise). Publishing is not restricted to
	// them. Default: none declared, and any well-formed filter is accepted.
	EventTypes []EventType

	// InsecureAllowPrivateNetworks turns off the guard against
	// server-side request forgery: endpoint URLs may then name loopback
	// and private hosts, and deliveries may connect to them. Use it only
	// in tests and for trusted, internal endpoints. Default: off, so
	// creation refuses such URLs with [ErrBlockedURL] and the Sender
	// refuses such addresses at dial time, after DNS.
	InsecureAllowPrivateNetworks bool

	// AllowNetworks are exempted from the guard (for example an internal
	// 10.1.0.0/16), while the guard stays on for everything else.
	AllowNetworks []netip.Prefix

	// NewSigner builds the signer of an endpoint's deliveries from its
	// live secrets, newest first, in "whsec_" form; it is called again
	// when the endpoint or its secrets change. Default: this module's
	// scheme, a [webhook.Signer] with the newest secret and the others as
	// AdditionalSecrets. For Standard Webhooks (Svix-compatible
	// receivers):
	//
	//	NewSigner: func(secrets []string) (webhook.HeaderSigner, error) {
	//		return standardwebhooks.NewSigner(secrets, nil)
	//	},
	NewSigner func(secrets []string) (webhook.HeaderSigner, error)

	// Now returns the current time: for signatures, secret expiry,
	// endpoint health and the applications' recent volume (see Publish).
	// Default: time.Now.
	Now func() time.Time

	// SecretKeys encrypts the endpoints' signing secrets at rest: every
	// secret written is sealed under its newest key, and every key
	// decrypts; [Service.ReencryptSecrets] seals the older rows,
	// plaintext ones included, under the newest key. [New]
	// refuses to start, with [ErrSecretKeys], when these keys cannot
	// decrypt what the database holds, and when they are nil while the
	// database holds encrypted secrets: once set, they must stay set.
	//
	// Default: nil, and secrets are stored in plaintext, readable by
	// anyone who can read the database or its backups; New logs
	// a warning. Set it in production, for example from an environment
	// variable with [KeyRingFromEnv].
	SecretKeys *KeyRing
}

// Service is a provider's webhook service: applications (the provider's
// customers) register endpoints with event-type filters, and
// [Service.Publish] fans a message out to every enabled, matching
// endpoint, one durable delivery each, signed with that endpoint's secrets.
// Endpoints that fail for [Options.DisableAfter] are disabled;
// failed deliveries can be resent and recovered; [Service.Handler] serves
// the JSON management API. Build it with [New] over a backend
// migrated with [Migrate]. It is safe for concurrent use and by
// several processes sharing one database: all state is in the database,
// the endpoints' concurrency caps and rate limits included, so that they
// hold for the fleet.
//
// Deliveries run in a River queue of their own ("webhook_endpoints"),
// beside the [durable.Outbox]'s: each job names an endpoint and a message, and each
// attempt uses the endpoint's URL, headers and live secrets as they are
// then, so an update, a rotation or a disable applies to retries at once
// (a Service keeps them in memory and checks their version in the
// statement that takes the attempt's slot). The payload is stored once
// per message, not once per endpoint.
type Service[TTx any] struct {
	rt      runtime[TTx]
	waits   core.RetryAfters
	db      core.Runner
	senders *senderCache
	gate    *gate
	opts    Options
	volume  appVolume // each application's recent deliveries, for their priority
	// What deliveries read, kept between them (cache.go), and the
	// group-commit of their attempts and slots (finish.go).
	endpoints *endpointCache
	messages  *messageCache
	fin       groupCommit[pendingFinish]
	// parkHook, set by tests before Start, sees every wait of an open
	// breaker and returns the real one: tests move Now, not River's clock.
	parkHook func(jobID int64, d time.Duration) time.Duration

	keyCheck string // the newest secret key's check value
	catalog  *EventCatalog
}

// New returns a Service on rt, whose backend must have been
// migrated with [Migrate]. A Runtime holds at most one Service,
// attached before the Runtime is first used ([durable.ErrRuntimeInUse]). It
// publishes at once; it delivers only while rt runs ([durable.Runtime.Start]).
//
// It checks, within 30 seconds, that [Options.SecretKeys] can
// decrypt the stored secrets (one check value per key that sealed any),
// and returns an error wrapping [ErrSecretKeys] when they cannot, rather
// than deliver webhooks that receivers would refuse.
func New[TTx any](rt *durable.Runtime[TTx], opts *Options) (*Service[TTx], error) {
	if rt == nil {
		return nil, errors.New("durable: endpoints.New needs a runtime")
	}
	view := core.RuntimeOf[TTx](rt).(runtime[TTx])
	var o Options
	if opts != nil {
		o = *opts
	}
	o.MaxWorkers = cmp.Or(o.MaxWorkers, 100)
	if o.Retry == nil {
		o.Retry = defaultEndpointRetry
	}
	o.AttemptTimeout = cmp.Or(o.AttemptTimeout, 30*time.Second)
	o.MaxConcurrency = cmp.Or(o.MaxConcurrency, 8)
	o.MaxPayloadBytes = cmp.Or(o.MaxPayloadBytes, 1<<20)
	o.MaxEndpointsPerApplication = cmp.Or(o.MaxEndpointsPerApplication, 1000)
	o.RotationGrace = cmp.Or(o.RotationGrace, 24*time.Hour)
	o.DisableAfter = cmp.Or(o.DisableAfter, 5*24*time.Hour)
	o.BreakerThreshold = cmp.Or(o.BreakerThreshold, 5)
	o.BreakerCooldown = cmp.Or(o.BreakerCooldown, time.Minute)
	o.BreakerMaxCooldown = max(cmp.Or(o.BreakerMaxCooldown, time.Hour), o.BreakerCooldown)
	o.AllowNetworks = append([]netip.Prefix(nil), o.AllowNetworks...)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.NewSigner == nil {
		o.NewSigner = nativeSigner
	}
	db := view.Backend().Runner()
	catalog, err := NewEventCatalog(o.EventTypes)
	if err != nil {
		return nil, fmt.Errorf("durable: Options.EventTypes: %w", err)
	}
	o.EventTypes = nil // the catalogue holds its own copy
	senders, err := newSenderCache(o)
	if err != nil {
		return nil, fmt.Errorf("durable: endpoints' sender: %w", err)
	}
	e := &Service[TTx]{rt: view, db: db, opts: o, senders: senders, catalog: catalog}
	// A slot outlives the longest run of its job, after which River
	// cancels the job; a crashed worker's slot comes back then.
	e.gate = newGate(db, view.Backend().Dialect(), o.MaxConcurrency, e.jobTimeout()+5*time.Second)
	e.endpoints, e.messages = newEndpointCache(), newMessageCache()
	e.fin.max = maxFinishBatch
	e.gate.takes.max = maxTakeBatch
	e.gate.takes.key = func(p *pendingTake) string { return p.epID }
	if view.Backend().Dialect() == core.DialectPostgres {
		// One batch at a time each: measured on the fan-out benchmark, a
		// second and third batch in flight made every batch smaller and
		// the database busier (1,340 against 2,030 deliveries/s).
		e.fin.run, e.fin.parallel = runPostgres(db), 1
		e.gate.takes.run, e.gate.takes.parallel = e.gate.takesPostgres, 1
	} else {
		backend := view.Backend()
		inTx := func(ctx context.Context, fn func(core.Runner) error) error {
			return backend.InTx(ctx, func(_ TTx, r core.Runner) error { return fn(r) })
		}
		e.fin.run = runSQLite(inTx)
		e.gate.takes.run = e.gate.takesSQLite(inTx)
	}
	if o.SecretKeys != nil {
		if e.keyCheck, err = o.SecretKeys.seal(keyCheckText, keyCheckAAD(o.SecretKeys.newest())); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.checkSecretKeys(ctx); err != nil {
		return nil, err
	}
	err = view.AttachEndpoints(worker[TTx]{e})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// EventTypes returns the declared event types ([Options.EventTypes]),
// in the order given; nil when none are declared.
func (e *Service[TTx]) EventTypes() []EventType { return e.catalog.Types() }

// jobTimeout bounds one delivery: the runtime's JobTimeout, or the
// AttemptTimeout and room for the bookkeeping if that is longer.
func (e *Service[TTx]) jobTimeout() time.Duration {
	return max(e.rt.JobTimeout(), e.opts.AttemptTimeout+15*time.Second)
}

// runtime is what a Service uses of its durable.Runtime: the core's view,
// and what needs durable's own types.
type runtime[TTx any] interface {
	core.Runtime[TTx]
	Attempted(ctx context.Context, a durable.AttemptInfo)
	Item(id string, j *rivertype.JobRow) durable.Item
}

// insertOpts are the options of every delivery job these endpoints insert.
func (e *Service[TTx]) insertOpts() *river.InsertOpts {
	return &river.InsertOpts{MaxAttempts: core.AttemptsOf(e.opts.Retry)}
}

// nativeSigner is the default [Options.NewSigner]: the newest
// live secret first, then the older ones still in their grace period.
func nativeSigner(secrets []string) (webhook.HeaderSigner, error) {
	keys := make([][]byte, len(secrets))
	for i, s := range secrets {
		k, err := webhook.ParseSecret(s)
		if err != nil {
			return nil, err
		}
		keys[i] = k
	}
	return webhook.NewSigner(keys[0], &webhook.SignerOptions{AdditionalSecrets: keys[1:]})
}

// defaultEndpointRetry is the endpoints' default: a first attempt at once,
// then retries after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h, 8 attempts
// over 27 h 35 min, the horizon customers know from the large webhook
// providers, well inside the default DisableAfter (5 days). A Retry-After
// is honoured up to 10 h. A Schedule has no jitter: the breaker, not
// spreading, keeps a recovering endpoint from a wave of retries.
var defaultEndpointRetry = webhook.Schedule{5 * time.Second, 5 * time.Minute, 30 * time.Minute,
	2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}
