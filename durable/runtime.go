package durable

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable/internal/core"
)

// RuntimeOptions configures a [Runtime]: what every queue of one process
// shares. The zero value gives the defaults, which favour low latency
// (River's own defaults poll slowly); a nil *RuntimeOptions is the same as
// the zero value. It is copied by [NewRuntime].
type RuntimeOptions struct {
	// ID names this process among the processes sharing the database: River
	// records it on every job it works and elects its leader by it, so it
	// must be unique per process (two processes with one ID would both
	// believe they lead). At most 100 bytes. Default: the host name, the
	// process id and a random suffix, unique without configuration.
	ID string

	// FetchCooldown is the least time between two fetches of new jobs from
	// one queue; it caps throughput. Default: 2 ms.
	FetchCooldown time.Duration

	// FetchPollInterval is the longest time between two fetches when nothing
	// signals new work. PostgreSQL wakes workers at once with LISTEN/NOTIFY;
	// SQLite relies on polling (and on inserts made through the same
	// Runtime, which wake its own workers). Default: 50 ms.
	FetchPollInterval time.Duration

	// JobTimeout bounds one run of a job (for the outbox: one delivery
	// attempt plus its bookkeeping, so keep it above the Sender's
	// AttemptTimeout). Package endpoints raises it for its own deliveries to
	// their AttemptTimeout plus 15 s. Default: 45 s.
	JobTimeout time.Duration

	// RescueAfter is how long a job may stay running before it is taken
	// for a crashed worker's and run again. It is at least the longest job
	// timeout. Default: twice the longest job timeout.
	RescueAfter time.Duration

	// Retention is how long finished items (delivered or processed, and
	// cancelled) are kept, and so how long an id is remembered for dedupe
	// and replay, and how long the outbox keeps attempts in its log (a
	// running outbox deletes older ones hourly). Dead letters are kept
	// until replayed or deleted. Default: 7 days.
	Retention time.Duration

	// Logger receives River's and this package's logs. Default: silent.
	Logger *slog.Logger

	// Hooks watch every enqueue, job run, delivery attempt and inbox run
	// of this process, for tracing and metrics. Default: none.
	Hooks Hooks
}

func (o RuntimeOptions) withDefaults() RuntimeOptions {
	o.ID = cmp.Or(o.ID, defaultID())
	o.FetchCooldown = cmp.Or(o.FetchCooldown, 2*time.Millisecond)
	o.FetchPollInterval = cmp.Or(o.FetchPollInterval, 50*time.Millisecond)
	if o.FetchPollInterval < o.FetchCooldown {
		o.FetchPollInterval = o.FetchCooldown
	}
	o.JobTimeout = cmp.Or(o.JobTimeout, 45*time.Second)
	o.Retention = cmp.Or(o.Retention, 7*24*time.Hour)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// defaultID returns "host_pid_random": River's own default (host and start
// time) can repeat for processes started in the same microsecond, as a
// fleet scaled up at once may be.
func defaultID() string {
	host, _ := os.Hostname()
	host = strings.NewReplacer(".", "_", "-", "_").Replace(cmp.Or(host, "host"))
	host = host[:min(len(host), 60)]
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	return host + "_" + strconv.Itoa(os.Getpid()) + "_" + hex.EncodeToString(rnd[:])
}

// Runtime is the one River client of a process: the [Outbox], the [Inbox]
// and the endpoints service of a process (package
// [github.com/signedhooks/webhook/durable/endpoints]) attach to it when
// they are built, and it runs the workers of all of them, with one
// notifier, one leader election and one client ID. Build it with [NewRuntime], build the
// components on it, then call [Runtime.Start] in each process that works
// (delivers or processes); a process that only enqueues never starts it,
// and a component built with EnqueueOnly set is not worked by this
// process even when its Runtime runs.
//
// Every job kind of this package is declared on every Runtime, attached or
// not, so that whichever process leads can rescue a crashed worker's jobs
// of any kind instead of discarding them as unknown.
//
// Components attach only before the Runtime is first used: the first
// enqueue, lookup or [Runtime.Start] fixes the set of queues, and a
// component built after that gets [ErrRuntimeInUse]. A Runtime is safe for
// concurrent use.
type Runtime[TTx any] struct {
	backend core.Backend[TTx]
	opts    RuntimeOptions

	mu        sync.Mutex // guards what follows; client is also read without it
	client    atomic.Pointer[river.Client[TTx]]
	outbox    core.Attached[core.DeliveryArgs]
	inbox     core.Attached[core.EventArgs]
	endpoints core.Attached[core.EndpointArgs] // attached by package endpoints, through the link
	running   bool
}

// NewRuntime returns a Runtime over b, which must have been migrated with
// [Migrate] (and endpoints.Migrate if endpoints attach).
func NewRuntime[TTx any](b Backend[TTx], opts *RuntimeOptions) (*Runtime[TTx], error) {
	if b == nil {
		return nil, errors.New("durable: NewRuntime needs a backend")
	}
	var o RuntimeOptions
	if opts != nil {
		o = *opts
	}
	if len(o.ID) > 100 {
		return nil, errors.New("durable: RuntimeOptions.ID is longer than 100 bytes")
	}
	return &Runtime[TTx]{backend: b.inner(), opts: o.withDefaults()}, nil
}

// ID returns the client ID of this process (see [RuntimeOptions.ID]).
func (r *Runtime[TTx]) ID() string { return r.opts.ID }

// attach runs set, which records a component on r, unless r is in use.
func (r *Runtime[TTx]) attach(set func() error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.client.Load() != nil {
		return ErrRuntimeInUse
	}
	return set()
}

// river returns the River client, built on first use with the queues of
// the components attached by then.
func (r *Runtime[TTx]) river() (*river.Client[TTx], error) {
	if c := r.client.Load(); c != nil {
		return c, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if c := r.client.Load(); c != nil {
		return c, nil
	}
	c, err := river.NewClient(r.backend.Driver(), r.config())
	if err != nil {
		return nil, fmt.Errorf("durable: %w", err)
	}
	r.client.Store(c)
	return c, nil
}

// config builds River's configuration: every job kind declared once, and
// a queue for each attached component this process works.
func (r *Runtime[TTx]) config() *river.Config {
	o := r.opts
	workers := river.NewWorkers()
	river.AddWorker(workers, core.NewWorker(r.outbox))
	river.AddWorker(workers, core.NewWorker(r.inbox))
	river.AddWorker(workers, core.NewWorker(r.endpoints))
	queues := map[string]river.QueueConfig{}
	longest := o.JobTimeout
	for queue, c := range r.components() {
		longest = max(longest, c.JobTimeout())
		if n, enqueueOnly := c.Queue(); !enqueueOnly {
			queues[queue] = river.QueueConfig{MaxWorkers: n}
		}
	}
	rescue := cmp.Or(o.RescueAfter, 2*longest)
	rescue = max(rescue, longest)
	if len(queues) == 0 {
		queues = nil // insert only: no fetching, no notifier, no leader election
	}
	return &river.Config{
		CancelledJobRetentionPeriod: o.Retention,
		CompletedJobRetentionPeriod: o.Retention,
		DiscardedJobRetentionPeriod: -1,
		FetchCooldown:               o.FetchCooldown,
		FetchPollInterval:           o.FetchPollInterval,
		ID:                          o.ID,
		JobTimeout:                  o.JobTimeout,
		Logger:                      o.Logger,
		Middleware:                  r.opts.Hooks.middleware(),
		MaxAttempts:                 core.AttemptsOf(defaultDeliveryRetry),
		Queues:                      queues,
		RescueStuckJobsAfter:        rescue,
		RetryPolicy:                 clientRetry{defaultDeliveryRetry},
		Workers:                     workers,
	}
}

// Start starts the workers of every attached component that this process
// works, in the background until [Runtime.Stop]. With none (every one
// EnqueueOnly) it does nothing. ctx is for starting only.
func (r *Runtime[TTx]) Start(ctx context.Context) error {
	c, err := r.river()
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running {
		return errors.New("durable: runtime already started")
	}
	if !r.works() {
		return nil
	}
	for _, c := range r.components() {
		if _, enqueueOnly := c.Queue(); !enqueueOnly {
			c.Start()
		}
	}
	if err := c.Start(ctx); err != nil {
		r.closeComponents()
		return fmt.Errorf("durable: %w", err)
	}
	r.running = true
	return nil
}

// components returns the attached components by queue.
func (r *Runtime[TTx]) components() map[string]core.Component {
	m := map[string]core.Component{}
	if r.outbox != nil {
		m[core.OutboxQueue] = r.outbox
	}
	if r.inbox != nil {
		m[core.InboxQueue] = r.inbox
	}
	if r.endpoints != nil {
		m[core.EndpointQueue] = r.endpoints
	}
	return m
}

// works reports whether any attached component is worked here.
func (r *Runtime[TTx]) works() bool {
	for _, c := range r.components() {
		if _, enqueueOnly := c.Queue(); !enqueueOnly {
			return true
		}
	}
	return false
}

// closeComponents tells the components that every worker has returned.
func (r *Runtime[TTx]) closeComponents() {
	for _, c := range r.components() {
		c.Close()
	}
}

// Stop stops fetching new jobs and waits for the jobs in flight until ctx
// is done; those still running then are cancelled and put back in the
// queue without spending an attempt. Nothing is lost either way. It
// closes the endpoints' idle connections. Stop on a Runtime that is not
// running does nothing.
func (r *Runtime[TTx]) Stop(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.running {
		return nil
	}
	err := stopClient(ctx, r.client.Load())
	r.closeComponents()
	r.running = false
	return err
}

// clientRetry adapts a RetryPolicy to River's client retry policy, which
// River uses for a job whose worker gives no retry time of its own (a kind
// whose component this process does not have, rescued by its leader).
type clientRetry struct{ policy webhook.RetryPolicy }

func (p clientRetry) NextRetry(job *rivertype.JobRow) time.Time {
	return core.RetryAt(p.policy, job.Attempt, 0)
}

// stopClient stops fetching, waits for running jobs until ctx is done, then
// cancels them: River puts a job interrupted by a stop back in the queue
// without counting the attempt, so nothing is lost.
func stopClient[TTx any](ctx context.Context, c *river.Client[TTx]) error {
	err := c.Stop(ctx)
	if err == nil || !(errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)) {
		return err
	}
	hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return c.StopAndCancel(hard)
}
