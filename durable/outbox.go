package durable

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable/internal/core"
)

// OutboxOptions configures an [Outbox]. The zero value gives the defaults; a
// nil *OutboxOptions is the same as the zero value. It is copied by
// [NewOutbox].
type OutboxOptions struct {
	// MaxWorkers is how many deliveries this process runs at once.
	// Default: 100.
	MaxWorkers int

	// EnqueueOnly makes this process store messages only: its [Runtime]
	// does not deliver them, other processes do. Default: false, deliver
	// while the Runtime runs.
	EnqueueOnly bool

	// MaxPayloadBytes bounds the body of a message as sent: its Payload,
	// or the envelope around its marshalled Data; [Outbox.Enqueue] refuses
	// larger ones with [ErrPayloadTooLarge]. Default: 1 MiB, the default
	// body limit of the consumer's middleware.
	MaxPayloadBytes int
}

// Message is one webhook to deliver, like a [webhook.Message]: set Data or
// Payload, not both.
type Message struct {
	// ID is the message id sent as X-Webhook-Id on every attempt, the
	// receiver's idempotency key. Enqueueing an id that the outbox already
	// holds does nothing (see [Delivery.Duplicate]). Empty: a new id from
	// [webhook.NewMessageID].
	ID string

	// Type is the event type, for example "order.created", at most 255
	// bytes. With Data it is sent in the signed body; with Payload it is
	// only recorded in the attempt reports.
	Type string

	// Data is marshalled with encoding/json when the message is enqueued
	// and sent in the envelope the Sender's signer builds around it,
	// {"id": ID, "event": Type, "data": Data} (Standard Webhooks:
	// "type" in place of "event"), so the id and the type reach the
	// receiver inside the signed bytes.
	Data any

	// Payload is the request body, sent byte for byte: it carries the id
	// and the type only if the caller put them in.
	Payload []byte
}

// Delivery is what [Outbox.Enqueue] stored.
type Delivery struct {
	// MessageID is the message's id.
	MessageID string
	// JobID is the River job that carries it.
	JobID int64
	// Duplicate reports that a message with this id was already in the
	// outbox; nothing new was stored.
	Duplicate bool
}

// Outbox delivers webhooks durably: messages are rows in the database,
// enqueued if need be in the caller's own transaction, and workers deliver
// them with retries that survive restarts. Build one with [NewOutbox]; it
// is safe for concurrent use.
//
// Each run of a job is one attempt, signed afresh (new timestamp and
// signature, same message id) and recorded (see [Outbox.Attempts]).
// Outcomes map onto River: a 2xx completes the message; a retryable failure
// (network error, timeout, 3xx, 408, 409, 425, 429, 5xx) is retried as the
// retry policy of the Sender's options says, exactly as [webhook.Sender.Send]
// would retry it (a Retry-After honoured up to the policy's longest wait);
// any other 4xx cancels it, with the reason; once the policy gives up the
// message is discarded and kept as a dead letter, which [Outbox.Replay]
// sends again.
type Outbox[TTx any] struct {
	rt    *Runtime[TTx]
	retry webhook.RetryPolicy
	opts  OutboxOptions
	batch insertBatcher[TTx] // Enqueue's inserts
}

// NewOutbox returns an Outbox on rt that delivers with a [webhook.Sender]
// built from sender: each job run is one [webhook.Sender.Attempt], so the
// signer, HTTP client, per-attempt timeout, rate limits and network guard
// all apply, and sender.Retry is the outbox's retry policy, with the
// meaning it has in [webhook.Sender.Send]; a nil Retry means 8 attempts
// with waits of up to 5 s, 10 s, ... an hour (also the cap of a
// Retry-After): webhook.Backoff{InitialDelay: 5 * time.Second, MaxDelay:
// time.Hour}. Errors are those of [webhook.NewSender]. A Runtime holds at
// most one Outbox, attached before the Runtime is first used
// ([ErrRuntimeInUse]). The Outbox enqueues at once; it delivers only while
// rt runs ([Runtime.Start]), so a process may enqueue only and leave
// delivery to others.
func NewOutbox[TTx any](rt *Runtime[TTx], sender *webhook.SenderOptions, opts *OutboxOptions) (*Outbox[TTx], error) {
	if rt == nil || sender == nil {
		return nil, errors.New("durable: NewOutbox needs a runtime and sender options")
	}
	retry := sender.Retry
	if retry == nil {
		retry = defaultDeliveryRetry
	}
	s, err := webhook.NewSender(sender)
	if err != nil {
		return nil, err
	}
	var o OutboxOptions
	if opts != nil {
		o = *opts
	}
	o.MaxWorkers = cmp.Or(o.MaxWorkers, 100)
	o.MaxPayloadBytes = cmp.Or(o.MaxPayloadBytes, 1<<20)
	ob := &Outbox[TTx]{rt: rt, retry: retry, opts: o}
	ob.batch = insertBatcher[TTx]{rt: rt}
	err = rt.attach(func() error {
		if rt.outbox != nil {
			return errors.New("durable: the runtime has an outbox already")
		}
		rt.outbox = &deliveryWorker[TTx]{rt: rt, sender: s, retry: retry, maxWorkers: o.MaxWorkers, enqueueOnly: o.EnqueueOnly}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ob, nil
}

// insertOpts are the options of every job this outbox inserts.
func (o *Outbox[TTx]) insertOpts() *river.InsertOpts {
	return &river.InsertOpts{MaxAttempts: core.AttemptsOf(o.retry)}
}

// Enqueue stores msg for delivery to target. It returns [ErrInvalidURL] for
// a target that is not an absolute http or https URL, [ErrInvalidID] for an
// id over 255 bytes, [ErrInvalidMessage] for a message with neither or both
// of Data and Payload (or Data that does not marshal, or a type over 255
// bytes), and [ErrPayloadTooLarge] for a body (the payload, or the envelope
// around Data) over the limit.
func (o *Outbox[TTx]) Enqueue(ctx context.Context, target string, msg Message) (Delivery, error) {
	args, err := o.args(target, msg)
	if err != nil {
		return Delivery{}, err
	}
	res, err := o.batch.insert(ctx, args.ID, args, o.insertOpts())
	return delivery(args.ID, res, err)
}

// EnqueueTx stores msg for delivery to target inside tx: the message exists
// if and only if tx commits, so a webhook announces exactly the changes that
// happened. tx is a *sql.Tx on SQLite (from the same *sql.DB) and a pgx.Tx
// on PostgreSQL. Errors are those of [Outbox.Enqueue].
func (o *Outbox[TTx]) EnqueueTx(ctx context.Context, tx TTx, target string, msg Message) (Delivery, error) {
	args, err := o.args(target, msg)
	if err != nil {
		return Delivery{}, err
	}
	c, err := o.rt.river()
	if err != nil {
		return Delivery{}, err
	}
	res, err := c.InsertTx(ctx, tx, args, o.insertOpts())
	return delivery(args.ID, res, err)
}

func (o *Outbox[TTx]) args(target string, msg Message) (core.DeliveryArgs, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(target) > 2048 {
		return core.DeliveryArgs{}, ErrInvalidURL
	}
	if len(msg.ID) > 255 {
		return core.DeliveryArgs{}, ErrInvalidID
	}
	if len(msg.Type) > 255 {
		return core.DeliveryArgs{}, fmt.Errorf("%w: type longer than 255 bytes", ErrInvalidMessage)
	}
	args := core.DeliveryArgs{ID: msg.ID, URL: target, Type: msg.Type}
	switch {
	case msg.Payload != nil && msg.Data != nil:
		return core.DeliveryArgs{}, fmt.Errorf("%w: both Data and Payload are set", ErrInvalidMessage)
	case msg.Payload != nil:
		args.Payload = msg.Payload
	case msg.Data != nil:
		if args.Data, err = json.Marshal(msg.Data); err != nil {
			return core.DeliveryArgs{}, fmt.Errorf("%w: marshalling Data: %w", ErrInvalidMessage, err)
		}
	default:
		return core.DeliveryArgs{}, fmt.Errorf("%w: neither Data nor Payload is set", ErrInvalidMessage)
	}
	if args.ID == "" {
		args.ID = webhook.NewMessageID()
	}
	size := len(args.Payload)
	if args.Data != nil {
		size = core.EnvelopeSize(args.ID, args.Type, len(args.Data))
	}
	if size > o.opts.MaxPayloadBytes {
		return core.DeliveryArgs{}, ErrPayloadTooLarge
	}
	return args, nil
}

func delivery(id string, res *rivertype.JobInsertResult, err error) (Delivery, error) {
	if err != nil {
		return Delivery{}, fmt.Errorf("durable: enqueue: %w", err)
	}
	return Delivery{MessageID: id, JobID: res.Job.ID, Duplicate: res.UniqueSkippedAsDuplicate}, nil
}

// Attempts returns every recorded attempt of the message, oldest first, or
// none if it was never attempted (or is unknown).
func (o *Outbox[TTx]) Attempts(ctx context.Context, messageID string) ([]Attempt, error) {
	return listAttempts(ctx, o.rt.backend, messageID)
}

// Lookup returns the state of the message, or [ErrNotFound].
func (o *Outbox[TTx]) Lookup(ctx context.Context, messageID string) (Item, error) {
	return lookup(ctx, o.rt, core.DeliveryKind, messageID)
}

// Replay makes a finished message (delivered, cancelled or dead) deliverable
// again now, with one more attempt if its attempts were spent. A message
// still waiting or running is left alone. It returns [ErrNotFound] for an
// unknown id (or one past its retention).
func (o *Outbox[TTx]) Replay(ctx context.Context, messageID string) error {
	return replay(ctx, o.rt, core.DeliveryKind, messageID)
}
