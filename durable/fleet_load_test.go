package durable_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
	"github.com/signedhooks/webhook/internal/longtest"
)

// loadSink is a loopback server for the load tests, one endpoint per path:
// a path answers after its delay with its status, and the sink records when
// each message first arrived, every arrival per path, and the most requests
// a path held at once. It does not verify signatures (other tests do).
type loadSink struct {
	*httptest.Server
	mu       sync.Mutex
	delay    map[string]time.Duration
	status   map[string]int
	first    map[string]time.Time   // message id -> first arrival
	arrivals map[string][]time.Time // path -> every arrival
	inflight map[string]int
	peak     map[string]int
}

func newLoadSink(t testing.TB) *loadSink {
	s := &loadSink{delay: map[string]time.Duration{}, status: map[string]int{}, first: map[string]time.Time{},
		arrivals: map[string][]time.Time{}, inflight: map[string]int{}, peak: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now, path, id := time.Now(), r.URL.Path, r.Header.Get(webhook.IDHeader)
		s.mu.Lock()
		if _, ok := s.first[id]; !ok {
			s.first[id] = now
		}
		s.arrivals[path] = append(s.arrivals[path], now)
		s.inflight[path]++
		s.peak[path] = max(s.peak[path], s.inflight[path])
		delay, status := s.delay[path], s.status[path]
		s.mu.Unlock()
		select {
		case <-time.After(delay):
		case <-r.Context().Done(): // the worker stopped
		}
		s.mu.Lock()
		s.inflight[path]--
		s.mu.Unlock()
		w.WriteHeader(max(status, http.StatusOK))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *loadSink) set(path string, delay time.Duration, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay[path], s.status[path] = delay, status
}

func (s *loadSink) arrived(id string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.first[id]
	return at, ok
}

func (s *loadSink) stats(path string) (arrivals []time.Time, peak int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.arrivals[path]), s.peak[path]
}

// peakRate returns the most arrivals within any window of length w.
func peakRate(at []time.Time, w time.Duration) int {
	at = slices.Clone(at)
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	best, lo := 0, 0
	for hi := range at {
		for at[hi].Sub(at[lo]) >= w {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

// Two worker processes on one PostgreSQL share one rate-limited
// endpoint's budget: together they stay within its limit, each works
// some of its deliveries, and none spends an attempt waiting.
func TestRateLimitHoldsAcrossProcessesPostgres(t *testing.T) {
	longtest.Require(t, "a rate limit across two worker processes")
	ctx := context.Background()
	db := newPostgresDB(t)
	b := durable.Postgres(db.pg)
	require.NoError(t, endpoints.Migrate(ctx, b))
	e, err := endpoints.New(newRuntime(t, b, nil), &endpoints.Options{EnqueueOnly: true, InsecureAllowPrivateNetworks: true})
	require.NoError(t, err)
	sink := newLoadSink(t)
	_, err = e.CreateApplication(ctx, "app", "")
	require.NoError(t, err)
	const limit, burst, n = 5, 1, 40
	_, _, err = e.CreateEndpoint(ctx, "app", endpoints.Input{URL: sink.URL + "/a", RateLimit: limit, Burst: burst})
	require.NoError(t, err)
	wa := startWorker(t, "a", "postgres", db.pgURL, envEndpoints+"=1")
	wb := startWorker(t, "b", "postgres", db.pgURL, envEndpoints+"=1")
	for i := range n {
		_, err := e.Publish(ctx, "app", "load.a", []byte(`{}`), fmt.Sprintf("m%d", i))
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool { arr, _ := sink.stats("/a"); return len(arr) >= n }, time.Minute, 20*time.Millisecond)
	wa.stop(t)
	wb.stop(t)
	arr, _ := sink.stats("/a")
	peak := peakRate(arr, time.Second)
	t.Logf("two processes, %d messages at %d/s (burst %d): peak %d in any second, %v from first to last",
		n, limit, burst, peak, arr[len(arr)-1].Sub(arr[0]).Round(time.Millisecond))
	assert.Len(t, arr, n, "each message sent once")
	assert.LessOrEqual(t, peak, limit+burst, "the fleet's peak over any second")

	rows, err := db.pg.Query(ctx, `SELECT attempt, state, attempted_by FROM river_job WHERE kind = 'webhook_endpoint_delivery'`)
	require.NoError(t, err)
	defer rows.Close()
	by := map[string]int{}
	jobs := 0
	for rows.Next() {
		var attempt int
		var state string
		var who []string
		require.NoError(t, rows.Scan(&attempt, &state, &who))
		jobs++
		assert.Equal(t, "completed", state)
		assert.Equal(t, 1, attempt, "waiting for the rate spent no attempt")
		by[who[len(who)-1]]++ // the process that delivered it
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, n, jobs)
	assert.Positive(t, by["a"], "deliveries by process: %v", by)
	assert.Positive(t, by["b"], "deliveries by process: %v", by)
}
