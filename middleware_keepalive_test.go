package webhook_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
)

// shortClaimTTL is the ClaimTTL of the keep-alive tests: the middleware
// checks every 75 ms and renews claims at least every 150 ms.
const shortClaimTTL = 300 * time.Millisecond

// extendStore wraps a MemoryStore whose clock moves only when the test says
// (see advanceRenewed), counts Extend calls, and lets a test replace what
// Extend does. With the store's expiries on that clock, whether a claim
// survives depends on whether it was renewed, not on how quickly a loaded
// machine schedules the renewal.
type extendStore struct {
	webhook.Store
	mu     sync.Mutex
	now    time.Time
	calls  int
	byKey  map[string]int    // calls that reached the MemoryStore, per key
	extend func(n int) error // nil: the MemoryStore's; n counts from 1
}

func newExtendStore(t *testing.T, extend func(n int) error) *extendStore {
	t.Helper()
	s := &extendStore{extend: extend, now: time.Unix(1_900_000_000, 0), byKey: map[string]int{}}
	ms, err := webhook.NewMemoryStore(&webhook.MemoryStoreOptions{Now: s.clock})
	require.NoError(t, err)
	s.Store = ms
	return s
}

func (s *extendStore) clock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

func (s *extendStore) Extend(ctx context.Context, key, token string, ttl time.Duration) error {
	s.mu.Lock()
	s.calls++
	n := s.calls
	s.mu.Unlock()
	if s.extend != nil {
		if err := s.extend(n); err != nil {
			return err
		}
	}
	err := s.Store.Extend(ctx, key, token, ttl)
	if err == nil {
		s.mu.Lock()
		s.byKey[key]++
		s.mu.Unlock()
	}
	return err
}

func (s *extendStore) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func (s *extendStore) renewals(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byKey[key]
}

// advanceRenewed moves the store's clock forward by d, then waits until the
// claim on each key has been renewed successfully at the new time: a claim
// renewed at now+d lasts until now+d+ClaimTTL whatever happens next. It
// fails the test if a renewal does not come (the keep-alive is broken).
func (s *extendStore) advanceRenewed(t *testing.T, d time.Duration, keys ...string) {
	t.Helper()
	s.mu.Lock()
	s.now = s.now.Add(d)
	before := make(map[string]int, len(keys))
	for _, k := range keys {
		before[k] = s.byKey[k]
	}
	s.mu.Unlock()
	// An Extend that counts after the snapshot ran after the clock moved.
	require.Eventually(t, func() bool {
		for _, k := range keys {
			if s.renewals(k) <= before[k] {
				return false
			}
		}
		return true
	}, 20*time.Second, time.Millisecond, "claims renewed after the clock moved by %v", d)
}

// advance moves the store's clock forward by d.
func (s *extendStore) advance(d time.Duration) {
	s.mu.Lock()
	s.now = s.now.Add(d)
	s.mu.Unlock()
}

// blocking is a next handler whose first run reports its start and returns
// when released; later runs (which a test expects not to happen) return at
// once, so that a broken keep-alive fails the test instead of hanging it.
type blocking struct {
	started chan struct{}
	release chan struct{}
	mu      sync.Mutex
	runs    int
}

func newBlocking() *blocking {
	return &blocking{started: make(chan struct{}, 1), release: make(chan struct{})}
}

func (b *blocking) ServeHTTP(http.ResponseWriter, *http.Request) {
	b.mu.Lock()
	b.runs++
	first := b.runs == 1
	b.mu.Unlock()
	if first {
		b.started <- struct{}{}
		<-b.release
	}
}

func (b *blocking) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.runs
}

// serveAsync serves r in a goroutine and returns the recorder once done.
func serveAsync(h http.Handler, r *http.Request) <-chan *httptest.ResponseRecorder {
	done := make(chan *httptest.ResponseRecorder, 1)
	go func() { done <- serve(h, r) }()
	return done
}

// TestMiddlewareLongHandler runs a handler for more than 3 x ClaimTTL while
// retries of its message (new signatures, same id) arrive: the handler runs
// once, the retries get 409, and afterwards the id is done.
func TestMiddlewareLongHandler(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	store := newExtendStore(t, nil)
	hook := &recorder{}
	next := newBlocking()
	h := webhook.Middleware(f.verifier, &webhook.MiddlewareOptions{
		Store: store, ClaimTTL: shortClaimTTL, OnOutcome: hook.hook,
	})(next)

	first := serveAsync(h, f.request(eventBody, "msg_1", mwNow))
	<-next.started
	var elapsed time.Duration // on the store's clock
	for i, at := range []time.Duration{shortClaimTTL * 3 / 2, shortClaimTTL * 5 / 2, shortClaimTTL * 3} {
		for elapsed < at {
			store.advanceRenewed(t, shortClaimTTL/2, "msg_1")
			elapsed += shortClaimTTL / 2
		}
		rec := serve(h, f.request(eventBody, "msg_1", mwNow.Add(time.Duration(i+1)*time.Second)))
		require.Equal(t, http.StatusConflict, rec.Code, "retry %d at %v: %s", i, at, rec.Body)
		assert.Equal(t, errorMap(t, "in_flight"), jsonBody(t, rec))
		assert.Equal(t, "1", rec.Header().Get("Retry-After"))
	}
	close(next.release)
	rec := <-first
	require.Equal(t, http.StatusOK, rec.Code)
	o := hook.last(t)
	require.Equal(t, webhook.OutcomeProcessed, o.Kind)
	require.NoError(t, o.Err, "the handler finished after ClaimTTL and still marked the id done")
	assert.GreaterOrEqual(t, store.count(), 3, "Extend calls while the handler ran")

	rec = serve(h, f.request(eventBody, "msg_1", mwNow.Add(10*time.Second)))
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, map[string]string{"status": "already_processed"}, jsonBody(t, rec))
	assert.Equal(t, 1, next.count(), "runs of the handler")
}

// TestMiddlewareKeepAliveStops checks that no Extend runs once the middleware
// has returned, for a fast handler (which never extends) and a slow one.
func TestMiddlewareKeepAliveStops(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		slow bool
	}{
		{"fast handler", false},
		{"slow handler", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			store := newExtendStore(t, nil)
			next := http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
				if !tc.slow {
					return
				}
				// Run until the claim was renewed twice.
				ev, _ := webhook.EventFromContext(r.Context())
				for deadline := time.Now().Add(20 * time.Second); store.renewals(ev.ID) < 2 && time.Now().Before(deadline); {
					time.Sleep(time.Millisecond)
				}
			})
			h := webhook.Middleware(f.verifier, &webhook.MiddlewareOptions{Store: store, ClaimTTL: shortClaimTTL})(next)
			for i := range 5 {
				rec := serve(h, f.request(eventBody, "msg_"+strconv.Itoa(i), mwNow.Add(time.Duration(i)*time.Second)))
				require.Equal(t, http.StatusOK, rec.Code, "%s", rec.Body)
			}
			after := store.count()
			if tc.slow {
				assert.GreaterOrEqual(t, after, 10, "each slow handler's claim was extended twice")
			}
			time.Sleep(shortClaimTTL) // four ticks in which nothing may run
			assert.Equal(t, after, store.count(), "Extend calls after the middleware returned")
		})
	}
}

// TestMiddlewareKeepAliveFailures checks what the keep-alive does when Extend
// fails: a transient error is logged and retried, so the claim survives; a
// lost claim is logged and no longer extended.
func TestMiddlewareKeepAliveFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		extend  func(n int) error
		log     string // in the log, at level
		level   string
		retried bool // Extend is still called after the failure
	}{
		{
			name: "store error once",
			extend: func(n int) error {
				if n == 1 {
					return errStoreUp
				}
				return nil
			},
			log: "extending the claim failed", level: "WARN", retried: true,
		},
		{
			name:   "claim lost",
			extend: func(int) error { return webhook.ErrClaimLost },
			log:    "claim lost while the handler ran", level: "ERROR",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			store := newExtendStore(t, tc.extend)
			var logs syncBuffer
			next := newBlocking()
			h := webhook.Middleware(f.verifier, &webhook.MiddlewareOptions{
				// A longer TTL than the other tests: after one failed
				// renewal the claim has a quarter of it left.
				Store: store, ClaimTTL: time.Second,
				Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
			})(next)
			first := serveAsync(h, f.request(eventBody, "msg_1", mwNow))
			<-next.started
			require.Eventually(t, func() bool { return strings.Contains(logs.String(), tc.log) },
				5*time.Second, 5*time.Millisecond, "the failure was logged")
			if tc.retried {
				// The claim, never renewed yet, ends at 1 s on the store's
				// clock. A renewal after the error carries it past that.
				store.advanceRenewed(t, 750*time.Millisecond, "msg_1")
				store.advance(750 * time.Millisecond)
				rec := serve(h, f.request(eventBody, "msg_1", mwNow.Add(time.Second)))
				assert.Equal(t, http.StatusConflict, rec.Code, "the claim survived the error")
			} else {
				n := store.count()
				time.Sleep(time.Second) // about four ticks, the handler still running
				assert.Equal(t, n, store.count(), "a lost claim is not extended again")
			}
			close(next.release)
			require.Equal(t, http.StatusOK, (<-first).Code)

			var line map[string]any
			for _, l := range decodeLines(t, bytes.NewBufferString(logs.String())) {
				if strings.Contains(l["msg"].(string), tc.log) {
					line = l
				}
			}
			require.NotNil(t, line)
			assert.Equal(t, tc.level, line["level"])
			assert.Equal(t, "msg_1", line["id"])
			assert.NotEmpty(t, line["error"])
		})
	}
}

// syncBuffer is a bytes.Buffer safe for the logger's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestMiddlewareKeepAliveConcurrent runs fast and slow handlers side by side
// (so leases join and leave the keeper while it renews others), and a slow
// one that panics: every slow claim survives past ClaimTTL, so each delivery
// marks its id done or, for the panic, releases it without ErrClaimLost.
func TestMiddlewareKeepAliveConcurrent(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	hook := &recorder{}
	store := newExtendStore(t, nil)
	var slow []string
	for i := range 8 {
		slow = append(slow, "slow"+strconv.Itoa(i))
	}
	slow = append(slow, "panic")
	started := make(chan struct{}, len(slow))
	release := make(chan struct{})
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, _ := webhook.EventFromContext(r.Context())
		if strings.HasPrefix(ev.ID, "slow") || ev.ID == "panic" {
			started <- struct{}{}
			<-release
		}
		if ev.ID == "panic" {
			panic("after the claim's TTL")
		}
	})
	h := webhook.Middleware(f.verifier, &webhook.MiddlewareOptions{
		Store: store, ClaimTTL: shortClaimTTL, OnOutcome: hook.hook,
	})(next)
	var ids []string
	for i := range 8 {
		ids = append(ids, "slow"+strconv.Itoa(i), "fast"+strconv.Itoa(i))
	}
	ids = append(ids, "panic")
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { _ = recover() }() // the "panic" delivery's
			time.Sleep(time.Duration(i) * 10 * time.Millisecond)
			serve(h, f.request(eventBody, id, mwNow.Add(time.Duration(i)*time.Second)))
		}()
	}
	for range slow {
		<-started
	}
	// Twice ClaimTTL on the store's clock, every slow claim renewed on the
	// way, while the fast deliveries come and go.
	for range 4 {
		store.advanceRenewed(t, shortClaimTTL/2, slow...)
	}
	close(release)
	wg.Wait()

	hook.mu.Lock()
	outcomes := append([]webhook.Outcome(nil), hook.outcomes...)
	hook.mu.Unlock()
	require.Len(t, outcomes, len(ids))
	for _, o := range outcomes {
		if o.ID == "panic" {
			assert.Equal(t, webhook.OutcomePanicked, o.Kind)
			assert.NotErrorIs(t, o.Err, webhook.ErrClaimLost, "the claim was alive when released")
			continue
		}
		assert.Equal(t, webhook.OutcomeProcessed, o.Kind, o.ID)
		assert.NoError(t, o.Err, "%s marked done", o.ID)
	}
	for i, id := range ids {
		r := f.request(eventBody, id, mwNow.Add(time.Duration(100+i)*time.Second))
		if id == "panic" {
			assert.PanicsWithValue(t, "after the claim's TTL", func() { serve(h, r) }, "the released id runs again at once")
			continue
		}
		rec := serve(h, r)
		assert.Equal(t, map[string]string{"status": "already_processed"}, jsonBody(t, rec), id)
	}
}
