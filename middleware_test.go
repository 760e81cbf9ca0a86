package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
)

func TestMiddlewareInFlightRetryAfter(t *testing.T) {
	t.Parallel()
	// Another delivery holds the id for left; the middleware's ClaimTTL is
	// the default minute, renewed every 15 s while its handler runs.
	for _, tc := range []struct {
		name string
		left time.Duration
		want string
	}{
		{"a renewed claim: one keep-alive interval", time.Minute, "15"},
		{"a claim about to expire: what is left", 4 * time.Second, "4"},
		{"less than a second left: rounded up", 300 * time.Millisecond, "1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			s, err := webhook.NewMemoryStore(nil)
			require.NoError(t, err)
			res, err := s.Claim(context.Background(), webhook.ClaimRequest{Key: "msg_1", TTL: tc.left})
			require.NoError(t, err)
			require.Equal(t, webhook.Claimed, res.Status)
			h := webhook.Middleware(f.verifier, &webhook.MiddlewareOptions{Store: s})(&counting{})
			rec := serve(h, f.request(eventBody, "msg_1", mwNow))
			require.Equal(t, http.StatusConflict, rec.Code)
			assert.Equal(t, tc.want, rec.Header().Get("Retry-After"))
		})
	}
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
