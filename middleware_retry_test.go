package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
)

// TestMiddlewareExactlyOnce delivers one message 1,000 times at once, each
// attempt freshly signed, and checks that the handler runs exactly once.
func TestMiddlewareExactlyOnce(t *testing.T) {
	t.Parallel()
	const attempts = 1000
	// Each attempt carries its own timestamp, so its own signature, as a
	// sender's retries do; the tolerance covers them all.
	f := newFixture(t, &webhook.VerifierOptions{Tolerance: time.Hour})
	var runs atomic.Int32
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runs.Add(1)
		time.Sleep(time.Millisecond) // stay in flight while others arrive
	})
	h := webhook.Middleware(f.verifier, nil)(next)
	reqs := make([]*http.Request, attempts)
	for i := range reqs {
		reqs[i] = f.request(eventBody, "msg_once", mwNow.Add(-time.Duration(i)*time.Second))
	}
	codes := make([]int, attempts)
	bodies := make([]string, attempts)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			rec := serve(h, reqs[i])
			codes[i], bodies[i] = rec.Code, rec.Body.String()
		}()
	}
	close(start)
	wg.Wait()

	require.Equal(t, int32(1), runs.Load(), "the handler ran exactly once")
	count := map[int]int{}
	for i, c := range codes {
		count[c]++
		switch c {
		case http.StatusOK:
		case http.StatusConflict:
			assert.JSONEq(t, errorJSON("in_flight"), bodies[i])
		default:
			t.Fatalf("attempt %d: unexpected status %d %s", i, c, bodies[i])
		}
	}
	t.Logf("statuses: %v", count)
	assert.Equal(t, attempts, count[http.StatusOK]+count[http.StatusConflict])
}

// TestMiddlewareRetryAfterFailure: a failing handler releases the claim, so
// the sender's retry processes the message.
func TestMiddlewareRetryAfterFailure(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusInternalServerError, http.StatusBadRequest, http.StatusServiceUnavailable} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			next := &counting{status: status}
			hook := &recorder{}
			h := webhook.Middleware(f.verifier, &webhook.MiddlewareOptions{OnOutcome: hook.hook})(next)
			rec := serve(h, f.request(eventBody, "msg_1", mwNow.Add(-2*time.Second)))
			require.Equal(t, status, rec.Code, "the handler's status is passed through")
			assert.Equal(t, webhook.OutcomeFailed, hook.last(t).Kind)

			next.mu.Lock()
			next.status = 0
			next.mu.Unlock()
			rec = serve(h, f.request(eventBody, "msg_1", mwNow.Add(-time.Second)))
			require.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, webhook.OutcomeProcessed, hook.last(t).Kind)
			rec = serve(h, f.request(eventBody, "msg_1", mwNow))
			assert.Equal(t, map[string]string{"status": "already_processed"}, jsonBody(t, rec))
			assert.Equal(t, 2, next.count())
		})
	}
}

// TestMiddlewareRetryAfterPanic: a panicking handler releases the claim and
// the panic continues; the retry then processes the message.
func TestMiddlewareRetryAfterPanic(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	var runs atomic.Int32
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if runs.Add(1) == 1 {
			panic("boom")
		}
	})
	hook := &recorder{}
	h := webhook.Middleware(f.verifier, &webhook.MiddlewareOptions{OnOutcome: hook.hook})(next)
	assert.PanicsWithValue(t, "boom", func() {
		serve(h, f.request(eventBody, "msg_1", mwNow.Add(-time.Second)))
	})
	o := hook.last(t)
	assert.Equal(t, webhook.OutcomePanicked, o.Kind)
	require.ErrorIs(t, o.Err, webhook.ErrHandlerPanic)

	rec := serve(h, f.request(eventBody, "msg_1", mwNow))
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, int32(2), runs.Load())
	assert.Equal(t, webhook.OutcomeProcessed, hook.last(t).Kind)
}

// TestMiddlewareCompleteErrorReported: when marking the id done fails after
// the handler answered, the hook learns it.
func TestMiddlewareCompleteErrorReported(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	inner, err := webhook.NewMemoryStore(nil)
	require.NoError(t, err)
	lost := errors.New("store: write timeout")
	hook := &recorder{}
	store := &failingStore{inner: inner, doneErr: lost}
	h := webhook.Middleware(f.verifier, &webhook.MiddlewareOptions{Store: store, OnOutcome: hook.hook})(&counting{})
	rec := serve(h, f.request(eventBody, "msg_1", mwNow))
	assert.Equal(t, http.StatusOK, rec.Code, "the handler's answer was already sent")
	o := hook.last(t)
	assert.Equal(t, webhook.OutcomeProcessed, o.Kind)
	require.ErrorIs(t, o.Err, lost)
}

// TestMiddlewareClientGone: a canceled request context does not stop the
// middleware from marking the message done.
func TestMiddlewareClientGone(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	next := &counting{}
	h := webhook.Middleware(f.verifier, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		cancel := r.Context().Value(cancelKey{}).(context.CancelFunc)
		cancel() // the client hangs up as the handler finishes
	}))
	ctx, cancel := context.WithCancel(context.Background())
	ctx = context.WithValue(ctx, cancelKey{}, cancel)
	rec := serve(h, f.request(eventBody, "msg_1", mwNow.Add(-time.Second)).WithContext(ctx))
	require.Equal(t, http.StatusOK, rec.Code)
	rec = serve(h, f.request(eventBody, "msg_1", mwNow))
	assert.Equal(t, map[string]string{"status": "already_processed"}, jsonBody(t, rec))
	assert.Equal(t, 1, next.count())
}

type cancelKey struct{}
