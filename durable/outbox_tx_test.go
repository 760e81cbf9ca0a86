package durable_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/durable"
)

func TestOutboxEnqueueTxSQLite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newSQLiteDB(t)
	ep := newEndpoint(t, nil)
	o := newOwnOutbox(t, durable.SQLite(db.sqlite), senderOptions(nil), &durable.OutboxOptions{MaxWorkers: fastWorkers})
	var err error
	_, err = db.sqlite.ExecContext(ctx, `CREATE TABLE orders (id TEXT PRIMARY KEY)`)
	require.NoError(t, err)
	require.NoError(t, o.Start(ctx))
	defer stop(t, o)

	for _, commit := range []bool{false, true} {
		id := map[bool]string{false: "msg_rolled_back", true: "msg_committed"}[commit]
		tx, err := db.sqlite.BeginTx(ctx, nil)
		require.NoError(t, err)
		_, err = tx.ExecContext(ctx, `INSERT INTO orders (id) VALUES (?)`, id)
		require.NoError(t, err)
		_, err = o.EnqueueTx(ctx, tx, ep.URL, durable.Message{ID: id, Payload: []byte(`{"event":"order.created"}`)})
		require.NoError(t, err)
		if commit {
			require.NoError(t, tx.Commit())
		} else {
			require.NoError(t, tx.Rollback())
		}
	}
	waitState(t, o.Lookup, "msg_committed", durable.StateDone)
	_, err = o.Lookup(ctx, "msg_rolled_back")
	require.ErrorIs(t, err, durable.ErrNotFound)
	received, _ := ep.count("msg_rolled_back")
	assert.Zero(t, received)
	received, _ = ep.count("msg_committed")
	assert.Equal(t, 1, received)
}

func TestOutboxEnqueueTxPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newPostgresDB(t)
	ep := newEndpoint(t, nil)
	o := newOwnOutbox(t, durable.Postgres(db.pg), senderOptions(nil), &durable.OutboxOptions{MaxWorkers: fastWorkers})
	var err error
	_, err = db.pg.Exec(ctx, `CREATE TABLE orders (id TEXT PRIMARY KEY)`)
	require.NoError(t, err)
	require.NoError(t, o.Start(ctx))
	defer stop(t, o)

	for _, commit := range []bool{false, true} {
		id := map[bool]string{false: "msg_rolled_back", true: "msg_committed"}[commit]
		tx, err := db.pg.Begin(ctx)
		require.NoError(t, err)
		_, err = tx.Exec(ctx, `INSERT INTO orders (id) VALUES ($1)`, id)
		require.NoError(t, err)
		_, err = o.EnqueueTx(ctx, tx, ep.URL, durable.Message{ID: id, Payload: []byte(`{"event":"order.created"}`)})
		require.NoError(t, err)
		if commit {
			require.NoError(t, tx.Commit(ctx))
		} else {
			require.NoError(t, tx.Rollback(ctx))
		}
	}
	waitState(t, o.Lookup, "msg_committed", durable.StateDone)
	_, err = o.Lookup(ctx, "msg_rolled_back")
	require.ErrorIs(t, err, durable.ErrNotFound)
	// Give a stray job every chance to run before checking it never did.
	time.Sleep(100 * time.Millisecond)
	received, _ := ep.count("msg_rolled_back")
	assert.Zero(t, received)
	received, _ = ep.count("msg_committed")
	assert.Equal(t, 1, received)
}

// A Retry-After longer than the process's life is kept in the database: the
// next process waits for it too.
func TestOutboxRetryAfterOutlivesRestart(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *testDB) {
		ctx := context.Background()
		ep := newEndpoint(t, func(_ string, n int) (int, http.Header) {
			if n == 1 {
				return http.StatusServiceUnavailable, http.Header{"Retry-After": {"2"}}
			}
			return http.StatusOK, nil
		})
		retry, opts := testRetry(8, time.Millisecond), &durable.OutboxOptions{MaxWorkers: fastWorkers}
		first := db.newOutbox(t, retry, opts)
		require.NoError(t, first.Start(ctx))
		d, err := first.Enqueue(ctx, ep.URL, durable.Message{Payload: []byte(`{}`)})
		require.NoError(t, err)
		require.Eventually(t, func() bool { n, _ := ep.count(d.MessageID); return n == 1 }, 10*time.Second, 5*time.Millisecond)
		stop(t, first)

		second := db.newOutbox(t, retry, opts)
		require.NoError(t, second.Start(ctx))
		defer stop(t, second)
		waitState(t, second.Lookup, d.MessageID, durable.StateDone)
		attempts, err := second.Attempts(ctx, d.MessageID)
		require.NoError(t, err)
		require.Len(t, attempts, 2)
		assert.GreaterOrEqual(t, attempts[1].At.Sub(attempts[0].At), 2*time.Second-50*time.Millisecond)
	})
}

// Stop with a short deadline cancels deliveries in flight; they are put back
// and delivered by the next process, none lost.
func TestOutboxStopLosesNothing(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *testDB) {
		ctx := context.Background()
		slow := make(chan struct{})
		ep := newEndpoint(t, func(string, int) (int, http.Header) {
			<-slow
			return http.StatusOK, nil
		})
		defer func() {
			select {
			case <-slow:
			default:
				close(slow)
			}
		}()
		retry, opts := testRetry(8, time.Millisecond), &durable.OutboxOptions{MaxWorkers: fastWorkers}
		first := db.newOutbox(t, retry, opts)
		const n = 5
		ids := make([]string, n)
		for i := range ids {
			d, err := first.Enqueue(ctx, ep.URL, durable.Message{Payload: []byte(`{}`)})
			require.NoError(t, err)
			ids[i] = d.MessageID
		}
		require.NoError(t, first.Start(ctx))
		require.Eventually(t, func() bool {
			it, err := first.Lookup(ctx, ids[0])
			return err == nil && it.State == durable.StateRunning
		}, 10*time.Second, 5*time.Millisecond)
		stopCtx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		require.NoError(t, first.Stop(stopCtx))
		cancel()
		close(slow)

		second := db.newOutbox(t, retry, opts)
		require.NoError(t, second.Start(ctx))
		defer stop(t, second)
		for _, id := range ids {
			it := waitState(t, second.Lookup, id, durable.StateDone)
			assert.Equal(t, 1, it.Attempts, "an interrupted attempt is not spent")
		}
	})
}
