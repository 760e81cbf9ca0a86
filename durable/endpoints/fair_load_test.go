package endpoints_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			var env *epEnv
			if kind == "sqlite" {
				env = newSQLiteEndpoints(t, nil)
			} else {
				env = newPostgresEndpoints(t, nil)
			}
			runFair(t, env)
		})
	}
}

func runFair(t *testing.T, env *epEnv) {
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
	env.start(t)

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
		nRate = 4
	}
	for i := range nRate {
		_, err := env.e.Publish(ctx, "rate", "load.rate", []byte(`{}`), fmt.Sprintf("r%d", i))
		require.NoError(t, err)
	}
	var first time.Time
	require.Eventually(t, func() bool {
		n, _ := arrivals("rate")
		if n > 0 && first.IsZero() {
			first = time.Now()
		}
		return n >= nRate*fairFanout
	}, time.Minute, time.Millisecond, "the rate measurement drains")
	rate := float64(nRate*fairFanout) / time.Since(first).Seconds()

	// A's backlog: 6 s of deliveries at that rate, published by several
	// goroutines, so that it is queued faster than the workers, which
	// compete for the same cores, drain it.
	nA := max(int(6*rate)/fairFanout, 1)
	start := time.Now()
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
	queued := time.Since(start)

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
	if !raceEnabled {
		assert.Less(t, p99, time.Second, "B's p99 latency beside A's backlog")
	}
	assert.Greater(t, float64(left)/rate, 2.0, "A was still draining, seconds behind, when B's deliveries landed")
	// A's backlog drains in full: a lower priority is not starvation.
	require.Eventually(t, func() bool { n, _ := arrivals("a"); return n >= nA*fairFanout }, time.Minute, 10*time.Millisecond,
		"A's backlog drains")
}
