package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/signedhooks/webhook/internal/jsonfield"
)

// Event is one verified webhook delivery, as the middleware hands it to the
// next handler (see [EventFromContext]) and as [Mux] dispatches it.
type Event struct {
	// ID is the message id, stable across retries of one message, or "" when
	// the delivery carried none.
	ID string

	// Type is the event type, such as "payment.succeeded": the authenticator's
	// when its scheme carries one, otherwise the body's "event" or "type"
	// field (see [MiddlewareOptions.TypeFields]); "" when there is none.
	Type string

	// Timestamp is the signed time of this delivery attempt, or the zero time
	// for schemes without one.
	Timestamp time.Time

	// Payload is the request body exactly as signed. Handlers must not
	// modify it.
	Payload json.RawMessage
}

// Decode unmarshals the whole payload into v with encoding/json. For the
// envelope that this package's Sender and the reference format send,
// {"event": ..., "data": {...}}, use [DecodeData] to get the data.
func (e Event) Decode(v any) error {
	if err := json.Unmarshal(e.Payload, v); err != nil {
		return fmt.Errorf("webhook: decoding %q event payload: %w", e.Type, err)
	}
	return nil
}

// Data returns the raw value of the payload's top-level "data" field, as
// signed, and whether there is one. The envelopes of the reference format,
// of this package's [Sender] ([Message.Data]), of Standard Webhooks and of
// Stripe all carry the event's data there.
func (e Event) Data() (json.RawMessage, bool) {
	raw, ok := jsonfield.Raw(e.Payload, "data")
	return raw, ok
}

// DecodeData unmarshals the payload's top-level "data" field into a new T
// with encoding/json:
//
//	p, err := webhook.DecodeData[PaymentSucceeded](ev)
//
// The error wraps [ErrNoData] when the payload has no "data" field (use
// [Event.Decode] for payloads without an envelope, such as GitHub's), or
// is encoding/json's when the data does not fit T. It never returns a zero
// T with a nil error for a body that lacks the data.
func DecodeData[T any](e Event) (T, error) {
	var v T
	raw, ok := e.Data()
	if !ok {
		return v, fmt.Errorf("%w in %q event payload", ErrNoData, e.Type)
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("webhook: decoding %q event data: %w", e.Type, err)
	}
	return v, nil
}

// eventKey is the context key of the verified event.
type eventKey struct{}

// EventFromContext returns the verified event that the middleware stored in
// ctx, and whether there was one. A handler behind the middleware always
// finds one.
func EventFromContext(ctx context.Context) (Event, bool) {
	ev, ok := ctx.Value(eventKey{}).(*Event)
	if !ok {
		return Event{}, false
	}
	return *ev, true
}

// eventContext is a context carrying an event, like context.WithValue but
// embeddable in the middleware's per-request state, saving an allocation.
// Done, Err and Deadline are the parent's, so the context package still
// finds the parent's cancellation without a goroutine.
type eventContext struct {
	context.Context
	ev   *Event
	note outcomeNote // set by the Mux, read by the middleware (see noteOutcome)
}

// Value returns the event for eventKey, the note for noteKey, and asks the
// parent otherwise.
func (c *eventContext) Value(key any) any {
	switch key {
	case eventKey{}:
		return c.ev
	case noteKey{}:
		return &c.note
	}
	return c.Context.Value(key)
}

// detachedContext keeps a context's values but not its cancellation or
// deadline, like context.WithoutCancel, embeddable to save an allocation.
// The middleware marks a message done under it, so a client hanging up just
// as its handler finishes does not leave the message unmarked.
type detachedContext struct{ parent context.Context }

func (detachedContext) Deadline() (time.Time, bool) { return time.Time{}, false }
func (detachedContext) Done() <-chan struct{}       { return nil }
func (detachedContext) Err() error                  { return nil }
func (c *detachedContext) Value(key any) any        { return c.parent.Value(key) }
