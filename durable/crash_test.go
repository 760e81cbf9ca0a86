package durable_test

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/internal/longtest"
)

// crashN is how many messages a crash test delivers. The crash tests are
// long tests (internal/longtest: they run with WEBHOOK_LONG=1, in CI's
// long step): 10,000 messages, or 1,000 with -short or on SQLite under the
// race detector (which slows the pure-Go driver about tenfold), enough for
// the kill to land mid-run with deliveries in every state, and the restart
// to finish them. DURABLE_CRASH_N overrides both.
func crashN(t *testing.T, kind string) int {
	if s := os.Getenv("DURABLE_CRASH_N"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(t, err)
		return n
	}
	if testing.Short() || (raceEnabled && kind == "sqlite") {
		return 1000
	}
	return 10000
}

// worker is a subprocess running an outbox worker.
type worker struct {
	cmd  *exec.Cmd
	done chan error
}

func startWorker(t *testing.T, name, kind, dsn string, env ...string) *worker {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envWorker+"="+name, envDBKind+"="+kind, envDB+"="+dsn)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	// The worker exits when this pipe closes, so that it never outlives
	// the test process, even one that panics.
	_, err := cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	w := &worker{cmd: cmd, done: make(chan error, 1)}
	go func() { w.done <- cmd.Wait() }()
	t.Cleanup(func() { w.kill() })
	return w
}

func (w *worker) kill() {
	_ = w.cmd.Process.Signal(syscall.SIGKILL)
	<-w.done
	w.done <- nil // later kills return at once
}

// stop asks the worker to stop gracefully and waits for it.
func (w *worker) stop(t *testing.T) {
	require.NoError(t, w.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-w.done:
		w.done <- nil
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("worker did not stop")
	}
}

// enqueueAll stores n messages for url in one transaction.
func enqueueAll(t testing.TB, db *testDB, url string, n int) {
	ctx := context.Background()
	msg := func(i int) durable.Message {
		return durable.Message{ID: "msg_" + strconv.Itoa(i), Payload: []byte(`{"event":"crash.test","n":` + strconv.Itoa(i) + `}`)}
	}
	if db.sqlite != nil {
		o := newOwnOutbox(t, durable.SQLite(db.sqlite), senderOptions(nil), nil)
		tx, err := db.sqlite.BeginTx(ctx, nil)
		require.NoError(t, err)
		for i := range n {
			_, err := o.EnqueueTx(ctx, tx, url, msg(i))
			require.NoError(t, err)
		}
		require.NoError(t, tx.Commit())
		return
	}
	o := newOwnOutbox(t, durable.Postgres(db.pg), senderOptions(nil), nil)
	require.NoError(t, pgx.BeginFunc(ctx, db.pg, func(tx pgx.Tx) error {
		for i := range n {
			if _, err := o.EnqueueTx(ctx, tx, url, msg(i)); err != nil {
				return err
			}
		}
		return nil
	}))
}

func (db *testDB) kindAndDSN() (string, string) {
	if db.sqlite != nil {
		return "sqlite", db.sqlPath
	}
	return "postgres", db.pgURL
}

// unfinished counts outbox jobs not yet completed.
func unfinished(t *testing.T, db *testDB) int {
	const q = `SELECT count(*) FROM river_job WHERE state <> 'completed'`
	var n int
	if db.sqlite != nil {
		var sdb *sql.DB = db.sqlite
		require.NoError(t, sdb.QueryRow(q).Scan(&n))
		return n
	}
	require.NoError(t, db.pg.QueryRow(context.Background(), q).Scan(&n))
	return n
}

// A worker killed with SIGKILL in the middle of N deliveries loses nothing:
// after a restart every message reaches the endpoint, which (deduplicating
// by X-Webhook-Id) processes each exactly once.
func TestOutboxCrash(t *testing.T) {
	longtest.Require(t, "outbox worker killed mid-run")
	t.Parallel()
	eachDB(t, func(t *testing.T, db *testDB) {
		kind, dsn := db.kindAndDSN()
		n := crashN(t, kind)
		ep := newEndpoint(t, nil)
		enqueueAll(t, db, ep.URL, n)

		first := startWorker(t, "first", kind, dsn)
		require.Eventually(t, func() bool { return ep.processedCount() >= n/3 }, 3*time.Minute, 5*time.Millisecond)
		first.kill()
		atKill := ep.processedCount()
		require.Less(t, atKill, n, "the kill must land mid-run")

		second := startWorker(t, "second", kind, dsn)
		require.Eventually(t, func() bool { return ep.processedCount() == n }, 3*time.Minute, 20*time.Millisecond)
		require.Eventually(t, func() bool { return unfinished(t, db) == 0 }, time.Minute, 50*time.Millisecond)
		second.stop(t)

		ep.mu.Lock()
		defer ep.mu.Unlock()
		require.Len(t, ep.processed, n)
		total := 0
		for id, p := range ep.processed {
			require.Equal(t, 1, p, "message %s processed %d times", id, p)
			total += ep.received[id]
		}
		assert.Zero(t, ep.bad)
		t.Logf("%s: %d messages, %d processed before the kill, %d requests in all, %d duplicates acknowledged without processing",
			kind, n, atKill, total, ep.duplicates)
	})
}

// Two worker processes on one PostgreSQL share the load and deliver each
// message once.
func TestOutboxTwoWorkersShareLoad(t *testing.T) {
	longtest.Require(t, "two outbox workers sharing 2,000 messages")
	t.Parallel()
	db := newPostgresDB(t)
	n := 2000
	ep := newEndpoint(t, nil)
	enqueueAll(t, db, ep.URL, n)
	a := startWorker(t, "a", "postgres", db.pgURL)
	b := startWorker(t, "b", "postgres", db.pgURL)
	require.Eventually(t, func() bool { return ep.processedCount() == n }, 2*time.Minute, 20*time.Millisecond)
	a.stop(t)
	b.stop(t)
	runs := jobRuns(t, db, "webhook_delivery")
	ep.mu.Lock()
	defer ep.mu.Unlock()
	deliveries := 0
	for id, r := range ep.received {
		requireRepeatedRun(t, id, r, runs[id])
		deliveries += r
	}
	t.Logf("deliveries per worker: %v", ep.byWorker)
	assert.Positive(t, ep.byWorker["a"])
	assert.Positive(t, ep.byWorker["b"])
	assert.Equal(t, deliveries, ep.byWorker["a"]+ep.byWorker["b"])
}

// jobRuns counts the runs of each job of kind by the id in its args: one
// entry of attempted_by per run (PostgreSQL).
func jobRuns(t *testing.T, db *testDB, kind string) map[string]int {
	t.Helper()
	rows, err := db.pg.Query(context.Background(), `SELECT args->>'id', coalesce(cardinality(attempted_by), 0) FROM river_job WHERE kind = $1`, kind)
	require.NoError(t, err)
	defer rows.Close()
	runs := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		require.NoError(t, rows.Scan(&id, &n))
		runs[id] = n
	}
	require.NoError(t, rows.Err())
	var repeated int
	var why string
	err = db.pg.QueryRow(context.Background(), `SELECT count(*), coalesce(min(errors[1]->>'error'), '') FROM river_job WHERE kind = $1 AND cardinality(attempted_by) > 1`, kind).Scan(&repeated, &why)
	require.NoError(t, err)
	if repeated > 0 {
		t.Logf("%d %s jobs ran more than once; one first error: %.200s", repeated, kind, why)
	}
	return runs
}

// requireRepeatedRun checks that a message delivered more than once was so
// because its job ran more than once: delivery is at least once, and a run
// that timed out or was rescued after its response was sent is repeated
// (the receiver deduplicates by id), but a single run delivers once.
func requireRepeatedRun(t *testing.T, id string, deliveries, runs int) {
	t.Helper()
	require.LessOrEqual(t, deliveries, max(runs, 1), "message %s delivered %d times in %d runs of its job", id, deliveries, runs)
}

// storeAll stores n inbox events in one transaction.
func storeAll(t testing.TB, db *testDB, n int) {
	ctx := context.Background()
	ev := func(i int) webhook.Event {
		return webhook.Event{ID: "evt_" + strconv.Itoa(i), Type: "crash.test", Payload: []byte(`{"n":` + strconv.Itoa(i) + `}`)}
	}
	nop := func(context.Context, webhook.Event) error { return nil }
	if db.sqlite != nil {
		in := newOwnInbox(t, durable.SQLite(db.sqlite), nop, nil)
		tx, err := db.sqlite.BeginTx(ctx, nil)
		require.NoError(t, err)
		for i := range n {
			_, err := in.StoreTx(ctx, tx, ev(i))
			require.NoError(t, err)
		}
		require.NoError(t, tx.Commit())
		return
	}
	in := newOwnInbox(t, durable.Postgres(db.pg), nop, nil)
	require.NoError(t, pgx.BeginFunc(ctx, db.pg, func(tx pgx.Tx) error {
		for i := range n {
			if _, err := in.StoreTx(ctx, tx, ev(i)); err != nil {
				return err
			}
		}
		return nil
	}))
}

// A consumer killed with SIGKILL while processing loses no event: after a
// restart every stored event is processed. The business effect (forwarding
// the event, signed, to an endpoint that deduplicates by id) happens once
// per event; handler runs interrupted by the kill are repeated, which the
// dedupe absorbs.
func TestInboxCrash(t *testing.T) {
	longtest.Require(t, "inbox worker killed mid-run")
	t.Parallel()
	eachDB(t, func(t *testing.T, db *testDB) {
		kind, dsn := db.kindAndDSN()
		n := crashN(t, kind)
		ep := newEndpoint(t, nil)
		storeAll(t, db, n)

		first := startWorker(t, "first", kind, dsn, envSink+"="+ep.URL)
		require.Eventually(t, func() bool { return ep.processedCount() >= n/3 }, 3*time.Minute, 5*time.Millisecond)
		first.kill()
		atKill := ep.processedCount()
		require.Less(t, atKill, n, "the kill must land mid-run")

		second := startWorker(t, "second", kind, dsn, envSink+"="+ep.URL)
		require.Eventually(t, func() bool { return ep.processedCount() == n }, 3*time.Minute, 20*time.Millisecond)
		require.Eventually(t, func() bool { return unfinished(t, db) == 0 }, time.Minute, 50*time.Millisecond)
		second.stop(t)

		ep.mu.Lock()
		defer ep.mu.Unlock()
		require.Len(t, ep.processed, n)
		for id, p := range ep.processed {
			require.Equal(t, 1, p, "event %s processed %d times", id, p)
		}
		assert.Zero(t, ep.bad)
		t.Logf("%s: %d events, %d processed before the kill, %d repeated handler runs absorbed by dedupe",
			kind, n, atKill, ep.duplicates)
	})
}
