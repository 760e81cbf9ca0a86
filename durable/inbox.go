package durable

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"github.com/riverqueue/river"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable/internal/core"
)

// HandlerFunc processes one stored event; (*webhook.Mux).Dispatch is one,
// so a Mux's handlers run in the inbox's workers. A nil error completes the
// event; an error retries it as [InboxOptions.Retry] says, until it gives
// up and it becomes a dead letter; an error made with
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
	// MaxWorkers is how many handlers this process runs at once.
	// Default: 100.
	MaxWorkers int

	// EnqueueOnly makes this process store events only: its [Runtime]
	// does not process them, other processes do. Default: false, process
	// while the Runtime runs.
	EnqueueOnly bool

	// Retry decides whether and when a failed run is retried, with the
	// meaning it has in [webhook.Sender.Send] (a run is an attempt). When
	// it gives up, the event becomes a dead letter. Default: 8 runs with
	// waits of up to 1 s, 2 s, ... 10 minutes, webhook.Backoff{InitialDelay:
	// time.Second, MaxDelay: 10 * time.Minute}.
	Retry webhook.RetryPolicy

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
	rt    *Runtime[TTx]
	opts  InboxOptions
	batch insertBatcher[TTx] // Store's inserts
}

// NewInbox returns an Inbox on rt that processes events with handle. A
// Runtime holds at most one Inbox, attached before the Runtime is first
// used ([ErrRuntimeInUse]). The Inbox stores events at once; it processes
// them only while rt runs ([Runtime.Start]).
func NewInbox[TTx any](rt *Runtime[TTx], handle HandlerFunc, opts *InboxOptions) (*Inbox[TTx], error) {
	if rt == nil || handle == nil {
		return nil, errors.New("durable: NewInbox needs a runtime and a handler")
	}
	var o InboxOptions
	if opts != nil {
		o = *opts
	}
	o.MaxWorkers = cmp.Or(o.MaxWorkers, 100)
	if o.Retry == nil {
		o.Retry = defaultInboxRetry
	}
	o.MaxBodyBytes = cmp.Or(o.MaxBodyBytes, 1<<20)
	o.IDHeader = cmp.Or(o.IDHeader, webhook.IDHeader)
	o.TimestampHeader = cmp.Or(o.TimestampHeader, webhook.TimestampHeader)
	in := &Inbox[TTx]{rt: rt, opts: o}
	in.batch = insertBatcher[TTx]{rt: rt}
	err := rt.attach(func() error {
		if rt.inbox != nil {
			return errors.New("durable: the runtime has an inbox already")
		}
		rt.inbox = &eventWorker{handle: handle, retry: o.Retry, maxWorkers: o.MaxWorkers, enqueueOnly: o.EnqueueOnly}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return in, nil
}

// insertOpts are the options of every job this inbox inserts.
func (in *Inbox[TTx]) insertOpts() *river.InsertOpts {
	return &river.InsertOpts{MaxAttempts: core.AttemptsOf(in.opts.Retry)}
}

// Store stores ev for processing, as [Inbox.ServeHTTP] does. It reports
// whether an event with this id was already stored (then nothing changed).
// An empty ev.ID is replaced by a generated one.
func (in *Inbox[TTx]) Store(ctx context.Context, ev webhook.Event) (duplicate bool, err error) {
	args := core.NewEventArgs(ev)
	res, err := in.batch.insert(ctx, args.ID, args, in.insertOpts())
	if err != nil {
		return false, fmt.Errorf("durable: storing event: %w", err)
	}
	return res.UniqueSkippedAsDuplicate, nil
}

// StoreTx stores ev inside tx, like [Inbox.Store]: the event exists if and
// only if tx commits.
func (in *Inbox[TTx]) StoreTx(ctx context.Context, tx TTx, ev webhook.Event) (duplicate bool, err error) {
	c, err := in.rt.river()
	if err != nil {
		return false, err
	}
	res, err := c.InsertTx(ctx, tx, core.NewEventArgs(ev), in.insertOpts())
	if err != nil {
		return false, fmt.Errorf("durable: storing event: %w", err)
	}
	return res.UniqueSkippedAsDuplicate, nil
}

// Lookup returns the state of the event, or [ErrNotFound].
func (in *Inbox[TTx]) Lookup(ctx context.Context, eventID string) (Item, error) {
	return lookup(ctx, in.rt, core.EventKind, eventID)
}

// Replay makes a finished event (processed, cancelled or dead) run again
// now. An event still waiting or running is left alone. It returns
// [ErrNotFound] for an unknown id.
func (in *Inbox[TTx]) Replay(ctx context.Context, eventID string) error {
	return replay(ctx, in.rt, core.EventKind, eventID)
}
