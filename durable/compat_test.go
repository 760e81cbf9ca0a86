package durable_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
	"github.com/signedhooks/webhook/durable/internal/compattest"
)

// compatFixture is a SQLite database written by the release at main
// f48600d (three River clients, durable.Backoff, snoozes on Retry-After),
// dumped as SQL: testdata/compat/generate_test.go.txt, run in a worktree of
// that commit, wrote it. It holds outbox messages waiting (one retrying
// after a 503, one snoozed on a Retry-After, a raw payload and an envelope
// never attempted), two inbox events and two endpoint deliveries, all
// addressed to compatOldURL.
const (
	compatFixture = "testdata/compat/main-f48600d.sql"
	compatOldURL  = "http://127.0.0.1:39057"
)

// Each fixture is a database written by an earlier release; oldURL is
// the receiver its jobs and endpoint were addressed to (read from the
// endpoint row when empty).
var compatFixtures = []struct{ file, backend, oldURL string }{
	{compatFixture, "sqlite", compatOldURL},
	// main 0d5ec19: one Runtime per process, webhook.RetryPolicy, the
	// signed time in job metadata. testdata/compat/generate-0d5ec19_test.go.txt
	// wrote both, dumped with sqlite3 .dump and pg_dump --inserts.
	{"testdata/compat/main-0d5ec19.sql", "sqlite", ""},
	{"testdata/compat/main-0d5ec19.pg.sql", "postgres", ""},
}

// A database written by an earlier release keeps working after the
// upgrade: Migrate changes nothing it needs, and a Runtime with an outbox,
// an inbox and endpoints delivers and processes everything it held, the
// payloads as they were, the message that waited on a Retry-After under
// its next run number.
func TestCompatPreviousRelease(t *testing.T) {
	t.Parallel()
	for _, f := range compatFixtures {
		t.Run(filepath.Base(f.file), func(t *testing.T) {
			t.Parallel()
			dump, err := os.ReadFile(f.file)
			require.NoError(t, err)
			if f.backend == "postgres" {
				db := loadPostgresDump(t, string(dump))
				checkCompat(t, durable.Postgres(db.pg), compatSQL{
					queryRow: func(q string) pgx.Row { return db.pg.QueryRow(context.Background(), q) },
					exec: func(q string, args ...any) error {
						_, err := db.pg.Exec(context.Background(), q, args...)
						return err
					},
					moveJobs: `UPDATE river_job SET args = replace(args::text, $1, $2)::jsonb`,
					moveURLs: `UPDATE webhook_endpoint SET url = replace(url, $1, $2)`,
				}, f.oldURL)
				return
			}
			db, err := durable.OpenSQLite(filepath.Join(t.TempDir(), "old.db"))
			require.NoError(t, err)
			defer db.Close()
			_, err = db.ExecContext(context.Background(), string(dump))
			require.NoError(t, err)
			checkCompat(t, durable.SQLite(db), compatSQL{
				queryRow: func(q string) pgx.Row { return db.QueryRowContext(context.Background(), q) },
				exec: func(q string, args ...any) error {
					_, err := db.ExecContext(context.Background(), q, args...)
					return err
				},
				moveJobs: `UPDATE river_job SET args = CAST(replace(CAST(args AS TEXT), ?, ?) AS BLOB)`,
				moveURLs: `UPDATE webhook_endpoint SET url = replace(url, ?, ?)`,
			}, f.oldURL)
		})
	}
}

// compatSQL is what checkCompat needs of a fixture's database, in its
// dialect.
type compatSQL struct {
	queryRow           func(q string) pgx.Row // *sql.Row satisfies it too
	exec               func(q string, args ...any) error
	moveJobs, moveURLs string // replace(old, new) in jobs' args and endpoints' URLs
}

// loadPostgresDump runs a pg_dump in a database of its own.
func loadPostgresDump(t *testing.T, dump string) *testDB {
	db := newPostgresDBUnmigrated(t)
	pooled, err := db.pg.Acquire(context.Background())
	require.NoError(t, err)
	// pg_dump empties search_path for the session it writes for: load on
	// a connection that is then closed, not returned to the pool.
	conn := pooled.Hijack()
	defer conn.Close(context.Background())
	_, err = conn.Exec(context.Background(), dump)
	require.NoError(t, err)
	return db
}

func checkCompat[TTx any](t *testing.T, b durable.Backend[TTx], q compatSQL, oldURL string) {
	ctx := context.Background()
	var endpointSecret, endpointURL string
	require.NoError(t, q.queryRow(`SELECT secret FROM webhook_endpoint_secret`).Scan(&endpointSecret))
	require.NoError(t, q.queryRow(`SELECT url FROM webhook_endpoint`).Scan(&endpointURL))
	if oldURL == "" {
		oldURL = strings.TrimSuffix(endpointURL, "/acme")
	}
	rc := compattest.NewReceiver(t, testSecret, endpointSecret)
	require.NoError(t, q.exec(q.moveJobs, oldURL, rc.URL))
	require.NoError(t, q.exec(q.moveURLs, oldURL, rc.URL))

	require.NoError(t, endpoints.Migrate(ctx, b)) // the upgrade step
	rt := newRuntime(t, b, nil)
	o, err := durable.NewOutbox(rt, senderOptions(testRetry(8, 10*time.Millisecond)), nil)
	require.NoError(t, err)
	var processed sync.Map
	_, err = durable.NewInbox(rt, func(_ context.Context, ev webhook.Event) error {
		processed.Store(ev.ID, ev.Type)
		return nil
	}, nil)
	require.NoError(t, err)
	e, err := endpoints.New(rt, &endpoints.Options{InsecureAllowPrivateNetworks: true, Retry: testRetry(8, 10*time.Millisecond)})
	require.NoError(t, err)
	require.NoError(t, rt.Start(ctx))
	defer stop(t, rt)

	for _, id := range []string{"msg_retrying", "msg_snoozed", "msg_payload", "msg_data"} {
		waitState(t, o.Lookup, id, durable.StateDone)
	}
	require.Eventually(t, func() bool {
		_, one := processed.Load("evt_1")
		_, two := processed.Load("evt_2")
		return one && two
	}, 20*time.Second, 10*time.Millisecond, "the stored events are processed")
	var endpointID string
	require.NoError(t, q.queryRow(`SELECT endpoint_id FROM webhook_endpoint`).Scan(&endpointID))
	for _, id := range []string{"msg_pub_1", "msg_pub_2"} {
		waitState(t, func(ctx context.Context, id string) (durable.Item, error) {
			return e.Delivery(ctx, "acme", endpointID, id)
		}, id, durable.StateDone)
	}

	assert.Zero(t, rc.Bad(), "every request verifies")
	assert.Equal(t, `{"event":"order.created","n":1}`, rc.Body("msg_payload"), "a raw payload byte for byte")
	assert.JSONEq(t, `{"id":"msg_data","event":"order.created","data":{"n":2}}`, rc.Body("msg_data"))
	assert.JSONEq(t, `{"id":"msg_pub_1","event":"invoice.paid","data":{"invoice":"in_1"}}`, rc.Body("msg_pub_1"))
	assert.JSONEq(t, `{"id":"msg_pub_2","event":"invoice.created","data":{"invoice":"in_2"}}`, rc.Body("msg_pub_2"))
	attempts, err := o.Attempts(ctx, "msg_snoozed")
	require.NoError(t, err)
	require.Len(t, attempts, 2, "the old attempt and the new one")
	assert.Equal(t, []int{1, 2}, []int{attempts[0].Number, attempts[1].Number}, "the waiting run counts")
	assert.Greater(t, rc.Signed("msg_snoozed"), attempts[0].At.Unix(), "signed after the old attempt")
}
