package durable_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
	"github.com/signedhooks/webhook/durable/internal/loadsink"
	"github.com/signedhooks/webhook/internal/longtest"
)

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
	sink := loadsink.New(t)
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
	require.Eventually(t, func() bool { arr, _ := sink.Stats("/a"); return len(arr) >= n }, time.Minute, 20*time.Millisecond)
	wa.stop(t)
	wb.stop(t)
	arr, _ := sink.Stats("/a")
	peak := loadsink.PeakRate(arr, time.Second)
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
