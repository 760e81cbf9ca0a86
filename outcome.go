package webhook

import (
	"context"
	"log/slog"
	"time"
)

// OutcomeKind says how the middleware disposed of one request.
type OutcomeKind int

const (
	// OutcomeProcessed: the next handler ran and answered 2xx; the id was
	// marked done. A [Mux] behind the middleware reports the events it has
	// no handler for as [OutcomeIgnored], and the ones its handler refused
	// as [OutcomeUnprocessable], instead.
	OutcomeProcessed OutcomeKind = iota + 1
	// OutcomeFailed: the next handler ran and answered something else; the
	// claim was released so that a retry runs it again.
	OutcomeFailed
	// OutcomePanicked: the next handler panicked; the claim was released and
	// the panic continued.
	OutcomePanicked
	// OutcomeDuplicate: the id was already processed; answered 200
	// {"status":"already_processed"} without running the handler.
	OutcomeDuplicate
	// OutcomeInFlight: another delivery of the id is being processed;
	// answered 409 with Retry-After.
	OutcomeInFlight
	// OutcomeReplayed: this exact signature was seen within the replay
	// window; answered 409 with Retry-After.
	OutcomeReplayed
	// OutcomeMismatchRefused: a duplicate id came with a different body and
	// [MiddlewareOptions.RejectFingerprintMismatch] is set; answered 422.
	OutcomeMismatchRefused
	// OutcomeRejected: the request was not authenticated (400 or 401) or its
	// body was too large (413) or unreadable (400).
	OutcomeRejected
	// OutcomeStoreError: the idempotency store failed; answered 503 with
	// Retry-After and nothing was marked done.
	OutcomeStoreError
	// OutcomeIgnored: the next handler is a [Mux] without a handler for the
	// event's type; it answered 200 {"status":"ignored"} and the id was
	// marked done, so a redelivery is answered already_processed.
	OutcomeIgnored
	// OutcomeUnprocessable: the [Mux] handler for the event's type returned
	// an error wrapping [ErrUnprocessable] (a poison message); answered 200
	// {"status":"unprocessable"} so that the sender does not retry, and the
	// id was marked done. [Outcome.Err] holds the handler's error.
	OutcomeUnprocessable
)

// String returns the kind's name as used in logs, such as "processed".
func (k OutcomeKind) String() string {
	switch k {
	case OutcomeProcessed:
		return "processed"
	case OutcomeFailed:
		return "failed"
	case OutcomePanicked:
		return "panicked"
	case OutcomeDuplicate:
		return "duplicate"
	case OutcomeInFlight:
		return "in_flight"
	case OutcomeReplayed:
		return "replayed"
	case OutcomeMismatchRefused:
		return "mismatch_refused"
	case OutcomeRejected:
		return "rejected"
	case OutcomeStoreError:
		return "store_error"
	case OutcomeIgnored:
		return "ignored"
	case OutcomeUnprocessable:
		return "unprocessable"
	}
	return "unknown"
}

// Outcome describes how the middleware handled one request. It is passed to
// [MiddlewareOptions.OnOutcome] once per request, when the request is done.
// Every kind but [OutcomeRejected] means the signature verified.
type Outcome struct {
	// Kind says what happened.
	Kind OutcomeKind

	// Status is the HTTP status the client got: the next handler's for
	// [OutcomeProcessed], [OutcomeIgnored], [OutcomeUnprocessable] and
	// [OutcomeFailed], 0 for [OutcomePanicked].
	Status int

	// Err says why, when there is a reason: for [OutcomeRejected] the
	// verification error (match it with errors.Is against
	// [ErrMissingSignature], [ErrInvalidHeader], [ErrNoMatchingSignature],
	// [ErrTimestampTooOld], [ErrTimestampTooNew], [ErrBodyTooLarge]); for
	// [OutcomeStoreError] the store's error; for [OutcomePanicked]
	// [ErrHandlerPanic], joined with the store's error if releasing failed;
	// for [OutcomeUnprocessable] the handler's error, which matches
	// [ErrUnprocessable], joined with the store's error if marking the id
	// done failed; for [OutcomeProcessed], [OutcomeIgnored] and
	// [OutcomeFailed] the store's error when marking the id done or
	// releasing it failed.
	// It never contains a secret.
	Err error

	// ID and Type are the event's id and type; "" when unknown (always for
	// OutcomeRejected).
	ID, Type string

	// FingerprintMismatch reports that the id was already claimed or done
	// with a different body: the sender reused an id for another payload, or
	// re-serialised the payload on retry.
	FingerprintMismatch bool

	// Latency is the time from the request reaching the middleware to the
	// response being done, the next handler included.
	Latency time.Duration
}

// emit reports o to the hook and the logger.
func (m *middleware) emit(ctx context.Context, o *Outcome, ev *Event, start time.Time) {
	if m.onOutcome == nil && m.logger == nil {
		return
	}
	o.Latency = time.Since(start)
	if ev != nil {
		o.ID, o.Type = ev.ID, ev.Type
	}
	if m.onOutcome != nil {
		m.onOutcome(ctx, *o)
	}
	if m.logger != nil {
		m.log(ctx, o, ev)
	}
}

// log writes one line for o, at Info for the normal outcomes, Warn for
// rejected, replayed, unprocessable and mismatched requests, Error for
// failures (a store error when marking a processed or ignored id done
// included; an unprocessable one stays at Warn, its error says it all).
func (m *middleware) log(ctx context.Context, o *Outcome, ev *Event) {
	level := slog.LevelInfo
	switch {
	case o.Kind == OutcomeFailed || o.Kind == OutcomePanicked || o.Kind == OutcomeStoreError ||
		(o.Kind == OutcomeProcessed || o.Kind == OutcomeIgnored) && o.Err != nil:
		level = slog.LevelError
	case o.Kind == OutcomeRejected || o.Kind == OutcomeReplayed || o.Kind == OutcomeUnprocessable ||
		o.FingerprintMismatch:
		level = slog.LevelWarn
	}
	if !m.logger.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 9)
	attrs = append(attrs,
		slog.String("outcome", o.Kind.String()),
		slog.Int("status", o.Status),
		slog.String("id", o.ID),
		slog.String("type", o.Type),
		slog.Duration("latency", o.Latency),
	)
	if o.Err != nil {
		attrs = append(attrs, slog.String("error", o.Err.Error()))
	}
	if o.FingerprintMismatch {
		attrs = append(attrs, slog.Bool("fingerprint_mismatch", true))
	}
	if m.logPayload != nil && ev != nil && level >= slog.LevelWarn {
		attrs = append(attrs, slog.Any("payload", m.logPayload(*ev)))
	}
	m.logger.LogAttrs(ctx, level, "webhook delivery", attrs...)
}

// noteKey is the context key of the middleware's [outcomeNote].
type noteKey struct{}

// outcomeNote is what a [Mux] tells the middleware in front of it about a
// 2xx answer that is not a plain "processed": kind is [OutcomeIgnored] or
// [OutcomeUnprocessable] (with the handler's error), or 0.
type outcomeNote struct {
	kind OutcomeKind
	err  error
}

// noteOutcome records kind and err for the middleware that put the event in
// ctx, if any; without one it does nothing.
func noteOutcome(ctx context.Context, kind OutcomeKind, err error) {
	if n, ok := ctx.Value(noteKey{}).(*outcomeNote); ok {
		n.kind, n.err = kind, err
	}
}
