package webhook

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/signedhooks/webhook/internal/jsonfield"
)

// guarded is one handler wrapped by the middleware.
type guarded struct {
	m    *middleware
	next http.Handler
}

func (g *guarded) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := g.m
	var start time.Time
	if m.onOutcome != nil || m.logger != nil {
		start = time.Now() // only latency needs it
	}
	ctx := r.Context()
	var o Outcome

	if r.ContentLength < 0 && r.Body != nil && r.Body != http.NoBody {
		// A body of unknown length is cut at the limit, and the server told
		// to close the connection rather than drain it. A declared length
		// over the limit is refused before reading, and net/http already
		// stops a body at its declared length.
		r.Body = http.MaxBytesReader(w, r.Body, m.maxBody)
	}
	// One allocation for the per-request state, the re-readable body
	// included.
	st := new(served)
	body, err := readBodyInto(r, m.maxBody, &st.body)
	if err != nil {
		m.reject(ctx, w, r, &o, err, true, start)
		return
	}
	a, err := m.auth.Authenticate(r, body)
	if err != nil {
		m.reject(ctx, w, r, &o, err, false, start)
		return
	}

	st.ev = Event{ID: a.ID, Type: a.Type, Timestamp: a.Timestamp, Payload: body}
	ev := &st.ev
	if m.idField != nil {
		ev.ID, _ = jsonfield.Find(body, m.idField)
	}
	st.ctx = servedContext{eventContext: eventContext{Context: ctx, ev: ev}}
	if ev.Type == "" {
		// Found in the body when first asked for: scanning a body whose
		// type comes last costs more than its HMAC, and a handler that
		// never looks (nor a Mux, logger or hook) need not pay for it.
		st.ctx.typeFields = m.typeFields
	}
	var fp string
	if ev.ID != "" { // without a key there is no claim to store it with
		fp = bodyFingerprint(body)
	}
	window := a.ReplayWindow
	if window <= 0 {
		window = m.replayWindow
	}
	res, err := m.store.Claim(ctx, ClaimRequest{
		Key: ev.ID, Fingerprint: fp, TTL: m.claimTTL,
		ReplayKey: a.Fingerprint, ReplayTTL: window,
	})
	if err == nil && res.Status != Claimed {
		m.duplicate(ctx, w, r, &o, res, fp, st, start)
		return
	}
	if err != nil {
		o.Kind, o.Status, o.Err = OutcomeStoreError, http.StatusServiceUnavailable, err
		m.failRetry(w, r, o.Status, errStoreUnavailable, storeRetryAfter)
		m.emitServed(ctx, &o, st, start)
		return
	}

	sw := &st.sw
	sw.ResponseWriter = w
	st.detached = detachedContext{parent: ctx}
	dctx := &st.detached
	if res.Token != "" {
		m.keeper.start(&st.lease, dctx, ev.ID, res.Token)
	}
	done := false
	defer func() {
		if done {
			return
		}
		// next panicked (or called runtime.Goexit): free the id for the
		// retry and let the panic continue.
		o.Kind, o.Err = OutcomePanicked, ErrHandlerPanic
		if res.Token != "" {
			m.keeper.stop(&st.lease)
			if err := m.store.Release(dctx, ev.ID, res.Token); err != nil {
				o.Err = errors.Join(ErrHandlerPanic, err)
			}
		}
		m.emitServed(ctx, &o, st, start)
	}()
	g.next.ServeHTTP(sw, r.WithContext(&st.ctx))
	done = true
	if res.Token != "" {
		m.keeper.stop(&st.lease)
	}

	o.Status = sw.status
	if o.Status == 0 {
		o.Status = http.StatusOK // nothing written: net/http sends 200
	}
	if o.Status >= 200 && o.Status < 300 {
		o.Kind = OutcomeProcessed
		if n := st.ctx.note; n.kind != 0 { // a Mux said ignored or unprocessable
			o.Kind = n.kind
		}
		if res.Token != "" {
			o.Err = m.store.Complete(dctx, ev.ID, res.Token, m.doneTTL)
		}
		if o.Kind == OutcomeUnprocessable { // the handler's error first
			if o.Err == nil {
				o.Err = st.ctx.note.err
			} else {
				o.Err = errors.Join(st.ctx.note.err, o.Err)
			}
		}
	} else {
		o.Kind = OutcomeFailed
		if res.Token != "" {
			o.Err = m.store.Release(dctx, ev.ID, res.Token)
		}
	}
	m.emitServed(ctx, &o, st, start)
}

// emitServed reports o for a verified request, with its event's type found
// first when the hook or the logger will read it.
func (m *middleware) emitServed(ctx context.Context, o *Outcome, st *served, start time.Time) {
	if m.onOutcome != nil || m.logger != nil {
		st.ctx.findType()
	}
	m.emit(ctx, o, &st.ev, start)
}

// reject answers a request whose body could not be read or whose signature
// did not verify.
func (m *middleware) reject(ctx context.Context, w http.ResponseWriter, r *http.Request, o *Outcome, err error, reading bool, start time.Time) {
	status, msg := rejection(err, reading)
	o.Kind, o.Status, o.Err = OutcomeRejected, status, err
	m.fail(w, r, status, msg)
	m.emit(ctx, o, nil, start)
}

// duplicate answers a request whose claim found the signature replayed or
// the id in flight or done.
func (m *middleware) duplicate(ctx context.Context, w http.ResponseWriter, r *http.Request, o *Outcome, res ClaimResult, fp string, st *served, start time.Time) {
	o.FingerprintMismatch = res.Status != Replayed && res.Fingerprint != "" && res.Fingerprint != fp
	switch {
	case res.Status == Replayed:
		o.Kind, o.Status = OutcomeReplayed, http.StatusConflict
		m.failRetry(w, r, o.Status, errReplayed, time.Second)
	case o.FingerprintMismatch && m.rejectMismatch:
		o.Kind, o.Status = OutcomeMismatchRefused, http.StatusUnprocessableEntity
		m.fail(w, r, o.Status, errFingerprint)
	case res.Status == InFlight:
		o.Kind, o.Status = OutcomeInFlight, http.StatusConflict
		m.failRetry(w, r, o.Status, errInFlight, min(res.RetryAfter, m.keeper.interval))
	case res.Status == Done:
		o.Kind, o.Status = OutcomeDuplicate, http.StatusOK
		writeStatus(w, o.Status, statusAlreadyProcessed)
	default: // a store that broke its contract: never a 200
		o.Kind, o.Status = OutcomeStoreError, http.StatusServiceUnavailable
		m.failRetry(w, r, o.Status, errStoreUnavailable, storeRetryAfter)
	}
	m.emitServed(ctx, o, st, start)
}

// served is the per-request state of a claimed delivery, in one allocation.
type served struct {
	body     replayBody // r.Body for the next handler
	ev       Event
	sw       statusWriter
	ctx      servedContext   // the next handler's context
	detached detachedContext // for marking done or releasing
	lease    lease           // keeps the claim alive while next runs
}

// servedContext is the next handler's context: an [eventContext] whose
// event type, when it comes from the body, is found on first use, by
// [EventFromContext] (a [Mux]'s included) or for the outcome, at most once
// and safely from any goroutine. The type found is the same as if it were
// found at once: the payload does not change.
type servedContext struct {
	eventContext
	once       sync.Once
	typeFields []string // nil: ev.Type is final
}

// Value returns the event, its type found, for eventKey, and otherwise
// what the eventContext returns.
func (c *servedContext) Value(key any) any {
	if key == (eventKey{}) {
		c.findType()
	}
	return c.eventContext.Value(key)
}

// findType sets the event's type from the body, once.
func (c *servedContext) findType() {
	if c.typeFields != nil {
		c.once.Do(c.findTypeNow)
	}
}

func (c *servedContext) findTypeNow() {
	c.ev.Type, _ = jsonfield.Find(c.ev.Payload, c.typeFields)
}

// statusWriter records the status the next handler sends.
type statusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader records the first final (non-1xx) status.
func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200.
func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets [http.ResponseController] reach the underlying writer's
// Flush, Hijack and deadlines.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
