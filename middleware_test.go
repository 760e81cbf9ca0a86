package webhook_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
)

// TestMiddlewareStatusTable checks every row of the consumer status table:
// status, JSON body, Retry-After, whether next ran, and the outcome.
func TestMiddlewareStatusTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    webhook.MiddlewareOptions
		first   func(f *fixture) *http.Request // delivered before, when set
		request func(f *fixture) *http.Request
		status  int
		field   string // "error" or "status"
		value   string
		retry   bool // Retry-After expected
		runs    int  // runs of next, first delivery included
		kind    webhook.OutcomeKind
		err     error // errors.Is(outcome.Err, err), when set
	}{
		{
			name:    "first delivery",
			request: func(f *fixture) *http.Request { return f.request(eventBody, "msg_1", mwNow) },
			status:  http.StatusOK, runs: 1, kind: webhook.OutcomeProcessed,
		},
		{
			name: "missing signature",
			request: func(f *fixture) *http.Request {
				r := f.request(eventBody, "msg_1", mwNow)
				r.Header.Del(webhook.SignatureHeader)
				return r
			},
			status: http.StatusBadRequest, field: "error", value: "missing_signature",
			kind: webhook.OutcomeRejected, err: webhook.ErrMissingSignature,
		},
		{
			name: "malformed signature",
			request: func(f *fixture) *http.Request {
				r := f.request(eventBody, "msg_1", mwNow)
				r.Header.Set(webhook.SignatureHeader, "t=abc,s=zz")
				return r
			},
			status: http.StatusBadRequest, field: "error", value: "malformed_signature",
			kind: webhook.OutcomeRejected, err: webhook.ErrInvalidHeader,
		},
		{
			name: "bad signature",
			request: func(f *fixture) *http.Request {
				other, err := webhook.NewSigner(otherKey, nil)
				require.NoError(t, err)
				r := f.request(eventBody, "msg_1", mwNow)
				r.Header.Set(webhook.SignatureHeader, other.Sign(mwNow, []byte(eventBody)))
				return r
			},
			status: http.StatusUnauthorized, field: "error", value: "unauthorized",
			kind: webhook.OutcomeRejected, err: webhook.ErrNoMatchingSignature,
		},
		{
			name: "tampered body",
			request: func(f *fixture) *http.Request {
				r := f.request(eventBody, "msg_1", mwNow)
				r.Body = io.NopCloser(strings.NewReader(otherBody))
				return r
			},
			status: http.StatusUnauthorized, field: "error", value: "unauthorized",
			kind: webhook.OutcomeRejected, err: webhook.ErrNoMatchingSignature,
		},
		{
			name:    "stale timestamp",
			request: func(f *fixture) *http.Request { return f.request(eventBody, "msg_1", mwNow.Add(-6*time.Minute)) },
			status:  http.StatusUnauthorized, field: "error", value: "unauthorized",
			kind: webhook.OutcomeRejected, err: webhook.ErrTimestampTooOld,
		},
		{
			name:    "future timestamp",
			request: func(f *fixture) *http.Request { return f.request(eventBody, "msg_1", mwNow.Add(6*time.Minute)) },
			status:  http.StatusUnauthorized, field: "error", value: "unauthorized",
			kind: webhook.OutcomeRejected, err: webhook.ErrTimestampTooNew,
		},
		{
			name:    "body too large by Content-Length",
			opts:    webhook.MiddlewareOptions{MaxBodyBytes: 16},
			request: func(f *fixture) *http.Request { return f.request(eventBody, "msg_1", mwNow) },
			status:  http.StatusRequestEntityTooLarge, field: "error", value: "body_too_large",
			kind: webhook.OutcomeRejected, err: webhook.ErrBodyTooLarge,
		},
		{
			name: "body too large without Content-Length",
			opts: webhook.MiddlewareOptions{MaxBodyBytes: 16},
			request: func(f *fixture) *http.Request {
				r := f.request(eventBody, "msg_1", mwNow)
				r.ContentLength = -1
				return r
			},
			status: http.StatusRequestEntityTooLarge, field: "error", value: "body_too_large",
			kind: webhook.OutcomeRejected, err: webhook.ErrBodyTooLarge,
		},
		{
			name: "unreadable body",
			request: func(f *fixture) *http.Request {
				r := f.request(eventBody, "msg_1", mwNow)
				r.Body, r.ContentLength = io.NopCloser(errReader{}), -1
				return r
			},
			status: http.StatusBadRequest, field: "error", value: "unreadable_body",
			kind: webhook.OutcomeRejected,
		},
		{
			name:    "duplicate of a processed message",
			first:   func(f *fixture) *http.Request { return f.request(eventBody, "msg_1", mwNow.Add(-time.Second)) },
			request: func(f *fixture) *http.Request { return f.request(eventBody, "msg_1", mwNow) },
			status:  http.StatusOK, field: "status", value: "already_processed", runs: 1,
			kind: webhook.OutcomeDuplicate,
		},
		{
			name: "duplicate of a message still being processed",
			opts: webhook.MiddlewareOptions{Store: claimedStore(t, "msg_1")},
			request: func(f *fixture) *http.Request {
				return f.request(eventBody, "msg_1", mwNow)
			},
			status: http.StatusConflict, field: "error", value: "in_flight", retry: true,
			kind: webhook.OutcomeInFlight,
		},
		{
			name:    "replayed signature",
			first:   func(f *fixture) *http.Request { return f.request(eventBody, "msg_1", mwNow) },
			request: func(f *fixture) *http.Request { return f.request(eventBody, "msg_1", mwNow) },
			status:  http.StatusConflict, field: "error", value: "replayed", retry: true, runs: 1,
			kind: webhook.OutcomeReplayed,
		},
		{
			name:  "replayed signature with a changed id",
			first: func(f *fixture) *http.Request { return f.request(eventBody, "msg_1", mwNow) },
			request: func(f *fixture) *http.Request {
				r := f.request(eventBody, "msg_1", mwNow)
				r.Header.Set(webhook.IDHeader, "msg_forged")
				return r
			},
			status: http.StatusConflict, field: "error", value: "replayed", retry: true, runs: 1,
			kind: webhook.OutcomeReplayed,
		},
		{
			name:    "store unreachable",
			opts:    webhook.MiddlewareOptions{Store: &failingStore{claimErr: errStoreUp}},
			request: func(f *fixture) *http.Request { return f.request(eventBody, "msg_1", mwNow) },
			status:  http.StatusServiceUnavailable, field: "error", value: "store_unavailable", retry: true,
			kind: webhook.OutcomeStoreError, err: errStoreUp,
		},
		{
			name:    "store full",
			opts:    webhook.MiddlewareOptions{Store: &failingStore{claimErr: webhook.ErrStoreFull}},
			request: func(f *fixture) *http.Request { return f.request(eventBody, "msg_1", mwNow) },
			status:  http.StatusServiceUnavailable, field: "error", value: "store_unavailable", retry: true,
			kind: webhook.OutcomeStoreError, err: webhook.ErrStoreFull,
		},
		{
			name:    "store answering nonsense",
			opts:    webhook.MiddlewareOptions{Store: &failingStore{claimResult: webhook.ClaimResult{Status: 42}}},
			request: func(f *fixture) *http.Request { return f.request(eventBody, "msg_1", mwNow) },
			status:  http.StatusServiceUnavailable, field: "error", value: "store_unavailable", retry: true,
			kind: webhook.OutcomeStoreError,
		},
		{
			name:    "duplicate id with another body, acknowledged by default",
			first:   func(f *fixture) *http.Request { return f.request(eventBody, "msg_1", mwNow.Add(-time.Second)) },
			request: func(f *fixture) *http.Request { return f.request(otherBody, "msg_1", mwNow) },
			status:  http.StatusOK, field: "status", value: "already_processed", runs: 1,
			kind: webhook.OutcomeDuplicate,
		},
		{
			name:    "duplicate id with another body, refused by option",
			opts:    webhook.MiddlewareOptions{RejectFingerprintMismatch: true},
			first:   func(f *fixture) *http.Request { return f.request(eventBody, "msg_1", mwNow.Add(-time.Second)) },
			request: func(f *fixture) *http.Request { return f.request(otherBody, "msg_1", mwNow) },
			status:  http.StatusUnprocessableEntity, field: "error", value: "fingerprint_mismatch", runs: 1,
			kind: webhook.OutcomeMismatchRefused,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			next := &counting{}
			hook := &recorder{}
			opts := tc.opts
			opts.OnOutcome = hook.hook
			h := webhook.Middleware(f.verifier, &opts)(next)
			if tc.first != nil {
				rec := serve(h, tc.first(f))
				require.Equal(t, http.StatusOK, rec.Code, "first delivery: %s", rec.Body)
			}
			rec := serve(h, tc.request(f))
			assert.Equal(t, tc.status, rec.Code, "body %s", rec.Body)
			if tc.field != "" {
				assert.Equal(t, map[string]string{tc.field: tc.value}, jsonBody(t, rec))
			}
			if tc.retry {
				assert.NotEmpty(t, rec.Header().Get("Retry-After"))
			} else {
				assert.Empty(t, rec.Header().Get("Retry-After"))
			}
			assert.Equal(t, tc.runs, next.count(), "runs of the next handler")
			o := hook.last(t)
			assert.Equal(t, tc.kind, o.Kind)
			assert.Equal(t, tc.status, o.Status)
			if tc.err != nil {
				require.ErrorIs(t, o.Err, tc.err)
			}
			if tc.kind == webhook.OutcomeRejected {
				assert.NotContains(t, rec.Body.String(), "webhook:", "the reason is not sent to the client")
			}
			assert.Equal(t, strings.Contains(tc.name, "another body"), o.FingerprintMismatch)
		})
	}
}

// claimedStore returns a MemoryStore in which key is claimed by someone else.
func claimedStore(t *testing.T, key string) webhook.Store {
	t.Helper()
	s, err := webhook.NewMemoryStore(nil)
	require.NoError(t, err)
	res, err := s.Claim(context.Background(), webhook.ClaimRequest{Key: key, TTL: time.Minute})
	require.NoError(t, err)
	require.Equal(t, webhook.Claimed, res.Status)
	return s
}

func TestMiddlewareInFlightRetryAfter(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	h := webhook.Middleware(f.verifier, &webhook.MiddlewareOptions{Store: claimedStore(t, "msg_1")})(&counting{})
	rec := serve(h, f.request(eventBody, "msg_1", mwNow))
	require.Equal(t, http.StatusConflict, rec.Code)
	assert.Equal(t, "60", rec.Header().Get("Retry-After"), "what is left of the claim, in whole seconds")
}

func TestMiddlewarePassesBodyAndEvent(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	next := &counting{}
	h := webhook.Middleware(f.verifier, nil)(next)
	rec := serve(h, f.request(eventBody, "msg_1", mwNow))
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, 1, next.count())
	assert.Equal(t, eventBody, next.bodies[0])
	ev := next.events[0]
	assert.Equal(t, "msg_1", ev.ID)
	assert.Equal(t, "payment.succeeded", ev.Type)
	assert.True(t, mwNow.Equal(ev.Timestamp))
	assert.JSONEq(t, eventBody, string(ev.Payload))
}

func TestMiddlewareWithoutID(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	next := &counting{}
	h := webhook.Middleware(f.verifier, nil)(next)
	// Without an id every fresh signature runs the handler...
	for i := range 3 {
		rec := serve(h, f.request(eventBody, "", mwNow.Add(-time.Duration(i)*time.Second)))
		require.Equal(t, http.StatusOK, rec.Code)
	}
	assert.Equal(t, 3, next.count())
	// ...but the replay guard still applies.
	rec := serve(h, f.request(eventBody, "", mwNow))
	assert.Equal(t, http.StatusConflict, rec.Code)
	assert.Equal(t, 3, next.count())
	assert.Equal(t, "", next.events[0].ID)
}

func TestMiddlewareOptions(t *testing.T) {
	t.Parallel()
	t.Run("IDField takes the id from the body", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		next := &counting{}
		h := webhook.Middleware(f.verifier, &webhook.MiddlewareOptions{IDField: "id"})(next)
		body := `{"id":"evt_7","type":"user.created"}`
		require.Equal(t, http.StatusOK, serve(h, f.request(body, "header-id-1", mwNow.Add(-time.Second))).Code)
		rec := serve(h, f.request(body, "header-id-2", mwNow))
		assert.Equal(t, map[string]string{"status": "already_processed"}, jsonBody(t, rec))
		assert.Equal(t, 1, next.count())
		assert.Equal(t, "evt_7", next.events[0].ID)
		assert.Equal(t, "user.created", next.events[0].Type)
	})
	t.Run("TypeFields", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		next := &counting{}
		h := webhook.Middleware(f.verifier, &webhook.MiddlewareOptions{TypeFields: []string{"kind"}})(next)
		serve(h, f.request(`{"event":"no","kind":"yes"}`, "m", mwNow))
		require.Equal(t, 1, next.count())
		assert.Equal(t, "yes", next.events[0].Type)
	})
	t.Run("MaxBodyBytes defaults to the verifier's", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, &webhook.VerifierOptions{MaxBodyBytes: 10})
		rec := serve(webhook.Middleware(f.verifier, nil)(&counting{}), f.request(eventBody, "m", mwNow))
		assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	})
	t.Run("invalid options panic", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		assert.Panics(t, func() { webhook.Middleware(nil, nil) })
		assert.Panics(t, func() { webhook.Middleware(f.verifier, &webhook.MiddlewareOptions{ClaimTTL: -1}) })
		assert.Panics(t, func() { webhook.Middleware(f.verifier, &webhook.MiddlewareOptions{MaxBodyBytes: -1}) })
	})
}

func TestMiddlewareUnwrap(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	var flushErr error
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusEarlyHints) // 1xx is not the final status
		flushErr = http.NewResponseController(w).Flush()
		w.WriteHeader(http.StatusAccepted)
	})
	hook := &recorder{}
	rec := httptest.NewRecorder()
	webhook.Middleware(f.verifier, &webhook.MiddlewareOptions{OnOutcome: hook.hook})(next).ServeHTTP(rec, f.request(eventBody, "m", mwNow))
	require.NoError(t, flushErr, "the wrapped writer unwraps to a Flusher")
	assert.True(t, rec.Flushed)
	o := hook.last(t)
	assert.Equal(t, webhook.OutcomeProcessed, o.Kind)
	assert.Equal(t, http.StatusAccepted, o.Status)
}

// TestMiddlewareContext: the next handler's context keeps the request's
// values, deadline and cancellation, and carries the event.
func TestMiddlewareContext(t *testing.T) {
	t.Parallel()
	type key struct{}
	f := newFixture(t, nil)
	parent, cancel := context.WithTimeout(context.WithValue(context.Background(), key{}, "v"), time.Hour)
	defer cancel()
	var child context.Context
	var stop context.CancelFunc
	h := webhook.Middleware(f.verifier, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		assert.Equal(t, "v", ctx.Value(key{}))
		_, ok := ctx.Deadline()
		assert.True(t, ok)
		ev, ok := webhook.EventFromContext(ctx)
		assert.True(t, ok)
		assert.Equal(t, "msg_1", ev.ID)
		child, stop = context.WithCancel(ctx)
	}))
	rec := serve(h, f.request(eventBody, "msg_1", mwNow).WithContext(parent))
	require.Equal(t, http.StatusOK, rec.Code)
	defer stop()
	cancel()
	select {
	case <-child.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("canceling the request did not cancel the handler's derived context")
	}
}
