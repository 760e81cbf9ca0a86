package durable

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	webhook "github.com/signedhooks/webhook"
)

const (
	inboxQueue = "webhook_inbox"
	eventKind  = "webhook_inbox_event"
)

// HandlerFunc processes one stored event; (*webhook.Mux).Dispatch is one,
// so a Mux's handlers run in the inbox's workers. A nil error completes the
// event; an error retries it after the inbox's Backoff, until its attempts
// are spent and it becomes a dead letter; an error made with
// [webhook.Unprocessable] (a poison message, the same concept the Mux and
// the middleware use) cancels it at once: it is kept with its error and can
// be replayed, but never retried. [AttemptFromContext] gives the run's
// number.
// Processing is at least once: after a crash an event whose handler was
// running runs again, so effects should be keyed by the event's ID.
type HandlerFunc = webhook.EventHandlerFunc

// Permanent marks err as not worth retrying; it is [webhook.Unprocessable],
// kept so that existing handlers keep working. Returned from a
// [HandlerFunc], it cancels the event (kept, replayable) instead of
// retrying it; behind the middleware, a [webhook.Mux] acknowledges it.
func Permanent(err error) error { return webhook.Unprocessable(err) }

// InboxOptions configures an [Inbox]. The zero value gives the defaults; a
// nil *InboxOptions is the same as the zero value. It is copied by
// [NewInbox].
type InboxOptions struct {
	// Tuning sets workers, polling, timeouts and retention.
	Tuning

	// MaxAttempts is how many times an event's handler runs before the
	// event becomes a dead letter. Default: 8.
	MaxAttempts int

	// Backoff gives the delay after a failed run. Default:
	// Exponential(time.Second, 10*time.Minute).
	Backoff Backoff

	// MaxBodyBytes bounds a stored request body; larger ones are answered
	// 413. Default: 1 MiB.
	MaxBodyBytes int64

	// IDHeader and TimestampHeader name the headers read for the id and the
	// timestamp of a request that does not carry the middleware's event
	// (see [Inbox.ServeHTTP]). Defaults: webhook.IDHeader and
	// webhook.TimestampHeader.
	IDHeader, TimestampHeader string
}

// Inbox stores verified webhook events durably and processes them in
// workers. Put it behind the verifying middleware as the [http.Handler]
// (see [Inbox.ServeHTTP]); it answers 202 as soon as the event is stored,
// and its workers run the handler with retries that survive restarts.
// Duplicates collapse in the database (unique by message id), so replicas
// behind a load balancer need no other store for dedupe on this path.
// Build one with [NewInbox]; it is safe for concurrent use.
type Inbox[TTx any] struct {
	backend Backend[TTx]
	client  *river.Client[TTx]
	handle  HandlerFunc
	opts    InboxOptions
	batch   insertBatcher[TTx] // Store's inserts
}

// NewInbox returns an Inbox over b (migrated with [Migrate]) that processes
// events with handle. It stores events at once; it processes them only
// between [Inbox.Start] and [Inbox.Stop].
func NewInbox[TTx any](b Backend[TTx], handle HandlerFunc, opts *InboxOptions) (*Inbox[TTx], error) {
	if b == nil || handle == nil {
		return nil, errors.New("durable: NewInbox needs a backend and a handler")
	}
	var o InboxOptions
	if opts != nil {
		o = *opts
	}
	o.Tuning = o.Tuning.withDefaults()
	o.MaxAttempts = cmp.Or(o.MaxAttempts, 8)
	if o.Backoff == nil {
		o.Backoff = Exponential(time.Second, 10*time.Minute)
	}
	o.MaxBodyBytes = cmp.Or(o.MaxBodyBytes, 1<<20)
	o.IDHeader = cmp.Or(o.IDHeader, webhook.IDHeader)
	o.TimestampHeader = cmp.Or(o.TimestampHeader, webhook.TimestampHeader)
	in := &Inbox[TTx]{backend: b, handle: handle, opts: o}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &eventWorker[TTx]{in: in}); err != nil {
		return nil, fmt.Errorf("durable: %w", err)
	}
	if err := river.AddWorkerSafely(workers, placeholderWorker[deliveryArgs]{}); err != nil {
		return nil, fmt.Errorf("durable: %w", err)
	}
	// Endpoint deliveries share the database: a leader's rescuer must know
	// their kind, or it would discard a stuck one instead of retrying it.
	if err := river.AddWorkerSafely(workers, placeholderWorker[endpointArgs]{}); err != nil {
		return nil, fmt.Errorf("durable: %w", err)
	}
	c, err := river.NewClient(b.riverDriver(), clientConfig(o.Tuning, inboxQueue, workers, o.Backoff, o.MaxAttempts))
	if err != nil {
		return nil, fmt.Errorf("durable: %w", err)
	}
	in.client = c
	in.batch.client = c
	return in, nil
}

// Start starts processing in the background until [Inbox.Stop]. ctx is for
// starting only.
func (in *Inbox[TTx]) Start(ctx context.Context) error { return in.client.Start(ctx) }

// Stop stops fetching new events and waits for running handlers until ctx
// is done; those still running then are cancelled and their events put back
// in the queue without spending an attempt.
func (in *Inbox[TTx]) Stop(ctx context.Context) error { return stopClient(ctx, in.client) }

// Store stores ev for processing, as [Inbox.ServeHTTP] does. It reports
// whether an event with this id was already stored (then nothing changed).
// An empty ev.ID is replaced by a generated one.
func (in *Inbox[TTx]) Store(ctx context.Context, ev webhook.Event) (duplicate bool, err error) {
	args := newEventArgs(ev)
	res, err := in.batch.insert(ctx, args.ID, args)
	if err != nil {
		return false, fmt.Errorf("durable: storing event: %w", err)
	}
	return res.UniqueSkippedAsDuplicate, nil
}

// StoreTx stores ev inside tx, like [Inbox.Store]: the event exists if and
// only if tx commits.
func (in *Inbox[TTx]) StoreTx(ctx context.Context, tx TTx, ev webhook.Event) (duplicate bool, err error) {
	res, err := in.client.InsertTx(ctx, tx, newEventArgs(ev), nil)
	if err != nil {
		return false, fmt.Errorf("durable: storing event: %w", err)
	}
	return res.UniqueSkippedAsDuplicate, nil
}

// Lookup returns the state of the event, or [ErrNotFound].
func (in *Inbox[TTx]) Lookup(ctx context.Context, eventID string) (Item, error) {
	return lookup(ctx, in.client, in.backend.dialect(), eventKind, eventID)
}

// Replay makes a finished event (processed, cancelled or dead) run again
// now. An event still waiting or running is left alone. It returns
// [ErrNotFound] for an unknown id.
func (in *Inbox[TTx]) Replay(ctx context.Context, eventID string) error {
	return replay(ctx, in.client, in.backend.dialect(), eventKind, eventID)
}
