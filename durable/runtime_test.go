package durable_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
)

// One Runtime holds one component of each kind, attached before it is
// first used.
func TestRuntimeAttach(t *testing.T) {
	t.Parallel()
	db := newSQLiteDB(t)
	b := durable.SQLite(db.sqlite)
	require.NoError(t, endpoints.Migrate(context.Background(), b))
	nop := func(context.Context, webhook.Event) error { return nil }

	rt := newRuntime(t, b, nil)
	_, err := durable.NewOutbox(rt, senderOptions(nil), nil)
	require.NoError(t, err)
	_, err = durable.NewOutbox(rt, senderOptions(nil), nil)
	require.Error(t, err, "a second outbox would declare the delivery kind twice")
	in, err := durable.NewInbox(rt, nop, nil)
	require.NoError(t, err)
	_, err = endpoints.New(rt, nil)
	require.NoError(t, err)

	// The first use fixes the client and its queues.
	_, err = in.Store(context.Background(), webhook.Event{ID: "evt_1", Payload: []byte(`{}`)})
	require.NoError(t, err)
	used := newRuntime(t, b, nil)
	_, err = durable.NewInbox(used, nop, nil)
	require.NoError(t, err)
	require.NoError(t, used.Start(context.Background()))
	defer stop(t, used)
	for name, attach := range map[string]func() error{
		"outbox":    func() error { _, err := durable.NewOutbox(used, senderOptions(nil), nil); return err },
		"endpoints": func() error { _, err := endpoints.New(used, nil); return err },
	} {
		assert.ErrorIs(t, attach(), durable.ErrRuntimeInUse, name)
	}
}

// A Runtime's ID is the one River records on the jobs it works: the
// configured one, or a default unique per Runtime.
func TestRuntimeID(t *testing.T) {
	t.Parallel()
	b := durable.SQLite(newSQLiteDB(t).sqlite)
	a, other := newRuntime(t, b, &durable.RuntimeOptions{}), newRuntime(t, b, &durable.RuntimeOptions{})
	assert.NotEqual(t, a.ID(), other.ID())
	assert.Equal(t, "web-1", newRuntime(t, b, &durable.RuntimeOptions{ID: "web-1"}).ID())
	_, err := durable.NewRuntime(b, &durable.RuntimeOptions{ID: strings.Repeat("x", 101)})
	require.Error(t, err)
}

// An EnqueueOnly component is stored by its process and worked by
// another, on the same database.
func TestRuntimeEnqueueOnly(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *testDB) {
		ctx := context.Background()
		ep := newEndpoint(t, nil)
		enqueuer := db.newOutbox(t, nil, &durable.OutboxOptions{MaxWorkers: fastWorkers, EnqueueOnly: true})
		require.NoError(t, enqueuer.Start(ctx))
		defer stop(t, enqueuer)
		_, err := enqueuer.Enqueue(ctx, ep.URL, durable.Message{ID: "msg_1", Payload: []byte(`{}`)})
		require.NoError(t, err)
		time.Sleep(300 * time.Millisecond) // fifteen poll intervals: time enough to deliver, were it working
		it, err := enqueuer.Lookup(ctx, "msg_1")
		require.NoError(t, err)
		assert.Equal(t, durable.StatePending, it.State, "an EnqueueOnly outbox does not deliver")

		worker := db.newOutbox(t, nil, &durable.OutboxOptions{MaxWorkers: fastWorkers})
		require.NoError(t, worker.Start(ctx))
		defer stop(t, worker)
		waitState(t, worker.Lookup, "msg_1", durable.StateDone)
		received, _ := ep.count("msg_1")
		assert.Equal(t, 1, received)
	})
}

// A process running an outbox, an inbox and endpoints together opens one
// River client: PostgreSQL sees one notifier connection (River's
// LISTEN/NOTIFY listener, whose last query is a LISTEN or its keep-alive
// "-- ping"), where one client per component opened three.
func TestRuntimeOneClientPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newPostgresDB(t)
	require.NoError(t, endpoints.Migrate(ctx, durable.Postgres(db.pg)))
	cfg, err := pgxpool.ParseConfig(db.pgURL)
	require.NoError(t, err)
	cfg.ConnConfig.RuntimeParams["application_name"] = "durable_one_client"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	defer pool.Close()

	rt := newRuntime(t, durable.Postgres(pool), nil)
	_, err = durable.NewOutbox(rt, senderOptions(nil), nil)
	require.NoError(t, err)
	_, err = durable.NewInbox(rt, func(context.Context, webhook.Event) error { return nil }, nil)
	require.NoError(t, err)
	_, err = endpoints.New(rt, nil)
	require.NoError(t, err)
	require.NoError(t, rt.Start(ctx))
	defer stop(t, rt)

	conns := func() (total, listeners int) {
		require.NoError(t, db.pg.QueryRow(ctx, `SELECT count(*),
	count(*) FILTER (WHERE query ILIKE 'listen%' OR query LIKE '-- ping%')
FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'durable_one_client'`).Scan(&total, &listeners))
		return total, listeners
	}
	require.Eventually(t, func() bool { _, l := conns(); return l > 0 }, 10*time.Second, 20*time.Millisecond,
		"the notifier listens once started")
	time.Sleep(3 * time.Second) // idle: every poll, election and maintenance loop has run
	total, listeners := conns()
	assert.Equal(t, 1, listeners, "one River client, one notifier")
	t.Logf("one idle process with outbox, inbox and endpoints: %d PostgreSQL connections, %d listening", total, listeners)
}

// Two processes, each running an outbox, an inbox and endpoints on one
// Runtime with the default ID, split the work of one PostgreSQL database:
// every job is worked by one of exactly two client IDs (once, unless a run
// timed out or was rescued), and each process always by the same one.
func TestRuntimeTwoProcessesPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newPostgresDB(t)
	require.NoError(t, endpoints.Migrate(ctx, durable.Postgres(db.pg)))
	n := 1000
	ep := newEndpoint(t, nil)
	enqueueAll(t, db, ep.URL, n)
	storeAll(t, db, n)
	env := []string{envEndpoints + "=1", envDefaultID + "=1"}
	a := startWorker(t, "a", "postgres", db.pgURL, env...)
	b := startWorker(t, "b", "postgres", db.pgURL, env...)
	require.Eventually(t, func() bool { return ep.processedCount() == n }, 2*time.Minute, 20*time.Millisecond)
	require.Eventually(t, func() bool { return unfinished(t, db) == 0 }, time.Minute, 50*time.Millisecond)
	a.stop(t)
	b.stop(t)

	runs := jobRuns(t, db, "webhook_delivery")
	ep.mu.Lock()
	defer ep.mu.Unlock()
	for id, r := range ep.received {
		requireRepeatedRun(t, id, r, runs[id])
	}
	assert.Positive(t, ep.byWorker["a"])
	assert.Positive(t, ep.byWorker["b"])

	rows, err := db.pg.Query(ctx, `SELECT kind, args->>'id', attempted_by FROM river_job`)
	require.NoError(t, err)
	defer rows.Close()
	ids := map[string]int{}                     // client ID -> runs it made
	idsOfWorker := map[string]map[string]bool{} // worker -> client IDs its deliveries carry
	jobs := 0
	for rows.Next() {
		var kind, id string
		var by []string
		require.NoError(t, rows.Scan(&kind, &id, &by))
		require.NotEmpty(t, by, "job %s %s worked", kind, id)
		for _, c := range by {
			ids[c]++
		}
		jobs++
		// A job run twice (timed out or rescued under load) may have been
		// delivered by either process: only single runs say which ID a
		// process works under.
		if kind == "webhook_delivery" && len(by) == 1 {
			w := ep.workerOf[id]
			if idsOfWorker[w] == nil {
				idsOfWorker[w] = map[string]bool{}
			}
			idsOfWorker[w][by[0]] = true
		}
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, 2*n, jobs)
	assert.Len(t, ids, 2, "two processes, two client IDs: %v", ids)
	require.Len(t, idsOfWorker, 2)
	assert.Len(t, idsOfWorker["a"], 1, "process a works under one ID")
	assert.Len(t, idsOfWorker["b"], 1, "process b works under one ID")
	assert.NotEqual(t, idsOfWorker["a"], idsOfWorker["b"])
	t.Logf("runs per client ID: %v; deliveries per process: %v", ids, ep.byWorker)
}
