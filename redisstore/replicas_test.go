package redisstore_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/redisstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testSecret = []byte("redisstore-test-secret-0123456789")

// fleet is a consumer running several replicas: each has its own Redis
// client, store and middleware, and all share one Redis and one key prefix.
// The handler behind them counts the runs of each message id.
type fleet struct {
	t        *testing.T
	signer   *webhook.Signer
	replicas []http.Handler

	mu   sync.Mutex
	runs map[string]int
}

// newFleet starts n replicas on the Redis that opts names. hold, when set,
// runs inside the handler (to keep a delivery in flight).
func newFleet(t *testing.T, n int, opts *redis.Options, mw webhook.MiddlewareOptions, hold func()) *fleet {
	t.Helper()
	return newFleetWith(t, n, opts, redisstore.Options{}, mw, hold)
}

// newFleetWith is newFleet with the stores' options (the prefix is always
// a fresh one).
func newFleetWith(t *testing.T, n int, opts *redis.Options, so redisstore.Options, mw webhook.MiddlewareOptions, hold func()) *fleet {
	t.Helper()
	signer, err := webhook.NewSigner(testSecret, nil)
	require.NoError(t, err)
	verifier, err := webhook.NewVerifier(testSecret, &webhook.VerifierOptions{Tolerance: time.Hour})
	require.NoError(t, err)
	f := &fleet{t: t, signer: signer, runs: map[string]int{}}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, ok := webhook.EventFromContext(r.Context())
		if !assert.True(t, ok, "no event in the context") {
			return
		}
		f.mu.Lock()
		f.runs[ev.ID]++
		f.mu.Unlock()
		if hold != nil {
			hold()
		}
		w.WriteHeader(http.StatusNoContent)
	})
	if mw.DoneTTL == 0 {
		mw.DoneTTL = time.Minute // leave nothing for long in a REDIS_URL database
	}
	so.Prefix = uniquePrefix()
	for range n {
		o := *opts
		client := redis.NewClient(&o)
		t.Cleanup(func() { _ = client.Close() })
		mwo := mw
		mwo.Store = redisstore.New(client, &so)
		f.replicas = append(f.replicas, webhook.Middleware(verifier, &mwo)(handler))
	}
	return f
}

// deliver sends one delivery of message id, signed at ts, to replica i.
func (f *fleet) deliver(i int, id string, ts time.Time) *httptest.ResponseRecorder {
	body := `{"event":"order.paid","data":{"order":"` + id + `"}}`
	r := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(body))
	if err := f.signer.SignHeaders(r.Header, id, ts, []byte(body)); err != nil {
		panic(err) // only with an invalid id; the tests use plain ones
	}
	w := httptest.NewRecorder()
	f.replicas[i%len(f.replicas)].ServeHTTP(w, r)
	return w
}

// runsOf returns how many times the handler ran for id.
func (f *fleet) runsOf(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.runs[id]
}

// Two replicas receive 1,000 concurrent deliveries of one message: the
// handler runs once in total, whether the deliveries are copies of one
// signed request or retries each signed afresh.
func TestTwoReplicasDeduplicate(t *testing.T) {
	t.Parallel()
	const n = 1000
	newClient(t) // skip or fail early without Redis
	now := time.Now()
	tests := []struct {
		name string
		ts   func(i int) time.Time
	}{
		{"copies of one signed request", func(int) time.Time { return now }},
		{"retries signed afresh", func(i int) time.Time { return now.Add(-time.Duration(i) * time.Second) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFleet(t, 2, sharedOpts, webhook.MiddlewareOptions{}, func() { time.Sleep(20 * time.Millisecond) })
			codes := make([]int, n)
			retryAfter := make([]string, n)
			var wg sync.WaitGroup
			var start sync.WaitGroup
			start.Add(1)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					start.Wait()
					w := f.deliver(i, "msg_1", tc.ts(i))
					codes[i], retryAfter[i] = w.Code, w.Header().Get("Retry-After")
				}()
			}
			start.Done()
			wg.Wait()

			assert.Equal(t, 1, f.runsOf("msg_1"), "handler runs")
			count := map[int]int{}
			for i, c := range codes {
				count[c]++
				if c == http.StatusConflict {
					assert.NotEmpty(t, retryAfter[i], "409 without Retry-After")
				}
			}
			assert.Equal(t, 1, count[http.StatusNoContent], "deliveries processed: %v", count)
			assert.Equal(t, n, count[http.StatusNoContent]+count[http.StatusOK]+count[http.StatusConflict], "unexpected statuses: %v", count)

			// Later duplicates, on either replica, are acknowledged.
			for i := range 2 {
				w := f.deliver(i, "msg_1", now.Add(time.Duration(i+1)*time.Minute))
				assert.Equal(t, http.StatusOK, w.Code)
				assert.Contains(t, w.Body.String(), "already_processed")
			}
			assert.Equal(t, 1, f.runsOf("msg_1"), "handler runs")
		})
	}
}
