package endpoints_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
	"github.com/signedhooks/webhook/durable/internal/loadsink"
	"github.com/signedhooks/webhook/internal/longtest"
)

// fairFanout is the endpoints of the backlogged application: each of its
// messages is fairFanout deliveries, so that its backlog is queued faster
// than the workers drain it.
const fairFanout = 100

// A backlog of one application does not delay another's deliveries: A
// queues several seconds' worth of deliveries to healthy, fast endpoints
// (the drain rate measured first, on this machine), then B publishes a few
// messages, and B's p99 latency stays under a second while A is still
// draining. In first-in, first-out order B would wait for A's backlog.
func TestFairAcrossApplications(t *testing.T) {
	longtest.Require(t, "a backlogged application beside a light one")
	t.Run("sqlite", func(t *testing.T) {
		env := newSQLiteEndpoints(t, nil)
		runFair(t, env, env.start)
	})
	t.Run("postgres", func(t *testing.T) {
		env := newPostgresEndpoints(t, nil)
		runFair(t, env, env.start)
	})
	t.Run("postgres-fleet", func(t *testing.T) {
		env, start := newPostgresFleet(t)
		runFair(t, env, start)
	})
}

// newPostgresFleet is three processes on one PostgreSQL database, each a
// Runtime with a pool of its own: one that only publishes, whose env it
// returns, and two that only deliver, 50 workers each, which start starts.
// The priorities set where the messages are published order the work of
// the others.
func newPostgresFleet(t *testing.T) (*epEnv, func(t testing.TB)) {
	ctx := context.Background()
	pool := epPostgresPool(t)
	b := durable.Postgres(pool)
	require.NoError(t, endpoints.Migrate(ctx, b))
	clock := &epClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	pub := newOwnEndpoints(t, b, epOptions(&endpoints.Options{EnqueueOnly: true}, clock))
	var workers []*epEnv
	for range 2 {
		p, err := pgxpool.NewWithConfig(ctx, pool.Config())
		require.NoError(t, err)
		t.Cleanup(p.Close)
		w := newOwnEndpoints(t, durable.Postgres(p), epOptions(&endpoints.Options{MaxWorkers: 50}, clock))
		workers = append(workers, &epEnv{name: "postgres worker", e: w, clock: clock})
	}
	start := func(t testing.TB) {
		for _, w := range workers {
			w.start(t)
		}
	}
	return &epEnv{name: "postgres fleet", e: pub, clock: clock}, start
}

// runFair runs the scenario of TestFairAcrossApplications: env publishes,
// and start starts the workers.
func runFair(t *testing.T, env *epEnv, start func(t testing.TB)) {
	ctx := context.Background()
	sink := loadsink.New(t)
	// "rate" measures the drain rate, with A's endpoints but in an
	// application of its own, so that A's volume starts at zero.
	for _, app := range []string{"rate", "a", "b"} {
		_, err := env.e.CreateApplication(ctx, app, "")
		require.NoError(t, err)
	}
	for i := range fairFanout {
		for _, app := range []string{"rate", "a"} {
			_, _, err := env.e.CreateEndpoint(ctx, app, endpoints.Input{URL: fmt.Sprintf("%s/%s%d", sink.URL, app, i)})
			require.NoError(t, err)
		}
	}
	_, _, err := env.e.CreateEndpoint(ctx, "b", endpoints.Input{URL: sink.URL + "/b"})
	require.NoError(t, err)
	start(t)

	arrivals := func(app string) (n int, last time.Time) {
		for i := range fairFanout {
			at, _ := sink.Stats(fmt.Sprintf("/%s%d", app, i))
			n += len(at)
			for _, a := range at {
				if a.After(last) {
					last = a
				}
			}
		}
		return n, last
	}

	// The drain rate: deliveries per second of a queued backlog.
	nRate := 20
	if raceEnabled {
		nRate = 1
	}
	// Timed from the first publish: the workers deliver while Publish
	// runs, so the first poll can come after most arrivals, and timing
	// from it once measured 23,543/s and queued a backlog of minutes.
	measured := time.Now()
	for i := range nRate {
		_, err := env.e.Publish(ctx, "rate", "load.rate", []byte(`{}`), fmt.Sprintf("r%d", i))
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool {
		n, _ := arrivals("rate")
		return n >= nRate*fairFanout
	}, time.Minute, time.Millisecond, "the rate measurement drains")
	rate := float64(nRate*fairFanout) / time.Since(measured).Seconds()

	// A's backlog: 6 s of deliveries at that rate, published by several
	// goroutines, so that it is queued faster than the workers, which
	// compete for the same cores, drain it.
	nA := max(int(6*rate)/fairFanout, 1)
	began := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for p := range errs {
		wg.Go(func() {
			for i := p; i < nA && errs[p] == nil; i += len(errs) {
				_, errs[p] = env.e.Publish(ctx, "a", "load.a", []byte(`{}`), fmt.Sprintf("a%d", i))
			}
		})
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	queued := time.Since(began)

	lat := publishB(t, env, sink, "fair", 20)
	var landed time.Time
	for i := range 20 {
		at, _ := sink.Arrived(fmt.Sprintf("fair-b%d", i))
		if at.After(landed) {
			landed = at
		}
	}
	p50, p99, top := percentiles(lat)
	// A's deliveries made until B's last landed; the rest were still
	// queued then, and in first-in, first-out order B would have waited
	// for them.
	var before int
	for i := range fairFanout {
		at, _ := sink.Stats(fmt.Sprintf("/a%d", i))
		for _, a := range at {
			if !a.After(landed) {
				before++
			}
		}
	}
	left := nA*fairFanout - before
	t.Logf("%s: drain rate %.0f deliveries/s; A queued %d deliveries in %v; B p50 %v p99 %v max %v; A had %d left (%.1f s at the drain rate) when B's last landed",
		env.name, rate, nA*fairFanout, queued.Round(time.Millisecond), p50.Round(time.Millisecond),
		p99.Round(time.Millisecond), top.Round(time.Millisecond), left, float64(left)/rate)
	// Under the race detector, which slows publishing as much as
	// delivering, A's backlog hardly builds up, and the latencies measure
	// the detector: they are logged only, as in runNeighbour.
	if !raceEnabled {
		assert.Less(t, p99, time.Second, "B's p99 latency beside A's backlog")
		assert.Greater(t, float64(left)/rate, 2.0, "A was still draining, seconds behind, when B's deliveries landed")
	}
	// A's backlog drains in full: a lower priority is not starvation.
	require.Eventually(t, func() bool { n, _ := arrivals("a"); return n >= nA*fairFanout }, time.Minute, 10*time.Millisecond,
		"A's backlog drains")
}
