package endpoints_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// pgx's pool keeps a background health check until closed; modernc's
		// SQLite has none, River stops everything in Stop.
		goleak.IgnoreTopFunction("github.com/jackc/pgx/v5/pgxpool.(*Pool).backgroundHealthCheck"),
	)
}

// testSecret signs what the compatibility fixtures' outbox sent.
var testSecret = []byte("0123456789abcdef0123456789abcdef")

// testRetry makes attempts attempts (the first included) d apart, and
// honours a Retry-After of up to a minute, as webhook.Backoff does.
func testRetry(attempts int, d time.Duration) webhook.RetryPolicy {
	return webhook.Backoff{InitialDelay: d, Multiplier: 1, MaxDelay: time.Minute, MaxAttempts: attempts,
		Rand: func() float64 { return 0.99 }}
}

// newRuntime is a Runtime that polls quickly (opts nil), for tests.
func newRuntime[TTx any](t testing.TB, b durable.Backend[TTx], opts *durable.RuntimeOptions) *durable.Runtime[TTx] {
	if opts == nil {
		opts = &durable.RuntimeOptions{FetchPollInterval: 20 * time.Millisecond}
	}
	rt, err := durable.NewRuntime(b, opts)
	require.NoError(t, err)
	return rt
}

// runtimeControl starts and stops a component's Runtime: a component on a
// Runtime of its own is one simulated process.
type runtimeControl[TTx any] struct{ rt *durable.Runtime[TTx] }

func (c runtimeControl[TTx]) Start(ctx context.Context) error { return c.rt.Start(ctx) }
func (c runtimeControl[TTx]) Stop(ctx context.Context) error  { return c.rt.Stop(ctx) }

// ownEndpoints is a Service on a Runtime of its own, started and
// stopped with it.
type ownEndpoints[TTx any] struct {
	*endpoints.Service[TTx]
	runtimeControl[TTx]
}

func newOwnEndpoints[TTx any](t testing.TB, b durable.Backend[TTx], opts *endpoints.Options) ownEndpoints[TTx] {
	rt := newRuntime(t, b, nil)
	e, err := endpoints.New(rt, opts)
	require.NoError(t, err)
	// The tests' clock is fake: an open breaker rechecks it every 20 ms.
	endpoints.SetParkHook(e, shortPark)
	return ownEndpoints[TTx]{e, runtimeControl[TTx]{rt}}
}

// shortPark makes the wait of an open breaker last at most 20 ms of real
// time, and so recheck the tests' fake clock that often.
func shortPark(_ int64, d time.Duration) time.Duration { return min(d, 20*time.Millisecond) }

// setParkHook replaces shortPark (see endpoints.SetParkHook). Call it
// before Start.
func (o ownEndpoints[TTx]) setParkHook(hook func(jobID int64, d time.Duration) time.Duration) {
	endpoints.SetParkHook(o.Service, hook)
}

// setLineWait sets the snooze of jobs that join a line (see
// endpoints.SetLineWait). Call it before Start.
func (o ownEndpoints[TTx]) setLineWait(hook func(time.Duration) time.Duration) {
	endpoints.SetLineWait(o.Service, hook)
}

// setBookedStart sets the hook called when a job that booked a
// rate-limited time runs again (see endpoints.SetBookedStart). Call it
// before Start.
func (o ownEndpoints[TTx]) setBookedStart(hook func(jobID int64)) {
	endpoints.SetBookedStart(o.Service, hook)
}

// waitState polls until the item reaches want.
func waitState(t testing.TB, lookup func(context.Context, string) (durable.Item, error), id string, want durable.State) durable.Item {
	t.Helper()
	var it durable.Item
	require.Eventually(t, func() bool {
		var err error
		it, err = lookup(context.Background(), id)
		return err == nil && it.State == want
	}, 20*time.Second, 10*time.Millisecond, "state of %s: %+v", id, it)
	return it
}

func stop(t testing.TB, s interface{ Stop(context.Context) error }) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.Stop(ctx))
}
