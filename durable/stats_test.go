package durable_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
)

func TestQueueStats(t *testing.T) {
	eachDB(t, func(t *testing.T, db *testDB) {
		if db.sqlite != nil {
			testQueueStats(t, durable.SQLite(db.sqlite))
		} else {
			testQueueStats(t, durable.Postgres(db.pg))
		}
	})
}

func testQueueStats[TTx any](t *testing.T, b durable.Backend[TTx]) {
	ctx := context.Background()
	rt := newRuntime(t, b, nil)
	o, err := durable.NewOutbox(rt, senderOptions(testRetry(3, time.Hour)), nil)
	require.NoError(t, err)
	in, err := durable.NewInbox(rt, func(context.Context, webhook.Event) error { return nil }, &durable.InboxOptions{EnqueueOnly: true})
	require.NoError(t, err)

	stats, err := rt.QueueStats(ctx)
	require.NoError(t, err)
	assert.Equal(t, []durable.QueueStats{{Queue: durable.QueueOutbox}, {Queue: durable.QueueEndpoints}, {Queue: durable.QueueInbox}}, stats,
		"every queue, empty")

	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(failing.Close)
	_, err = o.Enqueue(ctx, failing.URL, durable.Message{ID: "fails", Payload: []byte(`{}`)})
	require.NoError(t, err)
	require.NoError(t, rt.Start(ctx))
	waitState(t, o.Lookup, "fails", durable.StateRetrying)
	stop(t, rt) // the rest stays available

	start := time.Now()
	for _, id := range []string{"a", "b"} {
		_, err = o.Enqueue(ctx, failing.URL, durable.Message{ID: id, Payload: []byte(`{}`)})
		require.NoError(t, err)
	}
	_, err = in.Store(ctx, webhook.Event{ID: "ev", Payload: []byte(`{}`)})
	require.NoError(t, err)
	time.Sleep(100 * time.Millisecond)

	stats, err = rt.QueueStats(ctx)
	require.NoError(t, err)
	require.Len(t, stats, 3)
	ob, ep, ib := stats[0], stats[1], stats[2]
	assert.Equal(t, durable.QueueStats{Queue: durable.QueueOutbox, Available: 2, Retryable: 1, Lag: ob.Lag}, ob)
	assert.Equal(t, durable.QueueStats{Queue: durable.QueueEndpoints}, ep)
	assert.Equal(t, durable.QueueStats{Queue: durable.QueueInbox, Available: 1, Lag: ib.Lag}, ib)
	// The lag is the oldest available job's age, on the database's clock:
	// at least the sleep, at most the time since the first enqueue, with
	// a generous bound for a loaded machine and the clocks' resolution.
	for _, s := range []durable.QueueStats{ob, ib} {
		assert.GreaterOrEqual(t, s.Lag, 50*time.Millisecond, s.Queue)
		assert.LessOrEqual(t, s.Lag, time.Since(start)+time.Second, s.Queue)
	}
}
