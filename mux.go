package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
)

// EventHandlerFunc handles one event. Returning nil acknowledges the event;
// returning an error fails the delivery so that the sender retries it (the
// [Mux] answers 500, and the middleware releases the claim on the id).
// Returning an error made with [Unprocessable] says that retrying cannot
// help (a poison message): the Mux acknowledges it with 200
// {"status":"unprocessable"}, the middleware marks the id done and reports
// [OutcomeUnprocessable] with the error, and a durable inbox cancels the
// event instead of retrying it.
type EventHandlerFunc func(ctx context.Context, ev Event) error

// Unprocessable marks err as a poison message, for an [EventHandlerFunc] to
// return when the event can never be processed, however often it is sent
// (a payload that does not decode, a reference to something that does not
// exist): the event is acknowledged and recorded, and never retried. The
// result matches [ErrUnprocessable] and err with [errors.Is]; Unprocessable(nil)
// returns ErrUnprocessable.
//
// It is one concept for every consumer path: the [Mux] (behind [Middleware])
// and the durable inbox. A plain [http.Handler] behind the middleware has no
// error to return; it acknowledges a poison message with a 2xx, which the
// middleware reports as [OutcomeProcessed]. To have it reported as
// unprocessable, register the handler on a Mux.
func Unprocessable(err error) error {
	if err == nil {
		return ErrUnprocessable
	}
	return fmt.Errorf("%w: %w", ErrUnprocessable, err)
}

// MuxOptions configures a [Mux]. The zero value gives the defaults; a nil
// *MuxOptions is the same as the zero value.
type MuxOptions struct {
	// Logger receives a line for each unknown event type (Info), handler
	// error (Error) and handler panic (Error, with the stack). Payloads are
	// never logged. Default: nil, which logs nothing.
	Logger *slog.Logger
}

// Mux dispatches events to handlers by [Event.Type]. Behind the middleware
// it is an [http.Handler]; queue workers call [Mux.Dispatch] directly.
//
// An event whose type has no handler is acknowledged (200, and logged):
// senders retry anything else, so refusing unknown types only causes retry
// storms; the middleware reports it as [OutcomeIgnored]. A handler error
// answers 500, which senders retry, except an error made with
// [Unprocessable], which answers 200 and is reported as
// [OutcomeUnprocessable]. A handler panic is recovered into a 500 as well,
// so the middleware releases the claim and the retry can run.
//
// The zero value is a Mux without handlers that logs nothing. A Mux is safe
// for concurrent use, including registering handlers while serving.
type Mux struct {
	mu       sync.RWMutex
	handlers map[string]EventHandlerFunc
	logger   *slog.Logger
}

// NewMux returns an empty Mux configured by opts (nil for the defaults).
func NewMux(opts *MuxOptions) *Mux {
	m := &Mux{}
	if opts != nil {
		m.logger = opts.Logger
	}
	return m
}

// HandleFunc registers h for events of type eventType. It panics if
// eventType is empty, h is nil, or eventType already has a handler, as
// [http.ServeMux] does for conflicting patterns.
func (m *Mux) HandleFunc(eventType string, h EventHandlerFunc) {
	if eventType == "" {
		panic("webhook: Mux.HandleFunc with an empty event type")
	}
	if h == nil {
		panic("webhook: Mux.HandleFunc with a nil handler for " + eventType)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.handlers[eventType]; dup {
		panic("webhook: Mux.HandleFunc: multiple handlers for " + eventType)
	}
	if m.handlers == nil {
		m.handlers = make(map[string]EventHandlerFunc)
	}
	m.handlers[eventType] = h
}

// Dispatch runs the handler registered for ev.Type and returns its error,
// as is: match [ErrUnprocessable] to tell a poison message from a failure.
// An unknown type is acknowledged: Dispatch logs it and returns nil. A
// handler panic is recovered and returned as an error wrapping
// [ErrHandlerPanic] (the stack goes to the logger), except
// [http.ErrAbortHandler], which is re-raised.
func (m *Mux) Dispatch(ctx context.Context, ev Event) error {
	_, err := m.dispatch(ctx, ev)
	return err
}

// dispatch is Dispatch, also reporting whether a handler was found.
func (m *Mux) dispatch(ctx context.Context, ev Event) (handled bool, err error) {
	m.mu.RLock()
	h := m.handlers[ev.Type]
	m.mu.RUnlock()
	if h == nil {
		m.log(ctx, slog.LevelInfo, "webhook: no handler for event type, acknowledged", ev)
		return false, nil
	}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			err = fmt.Errorf("%w: %v", ErrHandlerPanic, p)
			m.log(ctx, slog.LevelError, "webhook: event handler panicked", ev,
				slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
		}
	}()
	if err := h(ctx, ev); err != nil {
		if errors.Is(err, ErrUnprocessable) {
			m.log(ctx, slog.LevelWarn, "webhook: event handler refused an unprocessable event", ev, slog.Any("error", err))
		} else {
			m.log(ctx, slog.LevelError, "webhook: event handler failed", ev, slog.Any("error", err))
		}
		return true, err
	}
	return true, nil
}

// ServeHTTP dispatches the verified event that the middleware stored in the
// request context. It answers 200 {"status":"ok"} when the handler succeeds,
// 200 {"status":"ignored"} for an unknown type, 200
// {"status":"unprocessable"} for an error made with [Unprocessable], and 500
// {"error":"handler_failed"} on any other handler error or panic; the error
// itself is logged, never sent. It tells the middleware about ignored and
// unprocessable events, so that they are reported as [OutcomeIgnored] and
// [OutcomeUnprocessable] rather than [OutcomeProcessed]. Without a verified event in the context (the Mux is
// not behind the middleware) it answers 500 and runs nothing.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ev, ok := EventFromContext(r.Context())
	if !ok {
		if m.logger != nil {
			m.logger.LogAttrs(r.Context(), slog.LevelError, "webhook: Mux reached without a verified event; wrap it in webhook.Middleware")
		}
		writeError(w, http.StatusInternalServerError, errNoEvent)
		return
	}
	handled, err := m.dispatch(r.Context(), ev)
	switch {
	case errors.Is(err, ErrUnprocessable):
		noteOutcome(r.Context(), OutcomeUnprocessable, err)
		writeStatus(w, http.StatusOK, statusUnprocessable)
	case err != nil:
		writeError(w, http.StatusInternalServerError, errHandlerFailed)
	case !handled:
		noteOutcome(r.Context(), OutcomeIgnored, nil)
		writeStatus(w, http.StatusOK, statusIgnored)
	default:
		writeStatus(w, http.StatusOK, statusOK)
	}
}

func (m *Mux) log(ctx context.Context, level slog.Level, msg string, ev Event, attrs ...slog.Attr) {
	if m.logger == nil {
		return
	}
	attrs = append(attrs, slog.String("id", ev.ID), slog.String("type", ev.Type))
	m.logger.LogAttrs(ctx, level, msg, attrs...)
}
