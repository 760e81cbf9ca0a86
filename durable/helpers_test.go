package durable_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

// outboxAPI is what the tests use of an *durable.Outbox, whatever its
// transaction type.
type outboxAPI interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	Enqueue(ctx context.Context, target string, msg durable.Message) (durable.Delivery, error)
	Attempts(ctx context.Context, id string) ([]durable.Attempt, error)
	Lookup(ctx context.Context, id string) (durable.Item, error)
	Replay(ctx context.Context, id string) error
}

type inboxAPI interface {
	http.Handler
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	Store(ctx context.Context, ev webhook.Event) (bool, error)
	Lookup(ctx context.Context, id string) (durable.Item, error)
	Replay(ctx context.Context, id string) error
}

// testDB is one freshly migrated database on one backend.
type testDB struct {
	name      string
	newOutbox func(t testing.TB, retry webhook.RetryPolicy, opts *durable.OutboxOptions) outboxAPI
	newInbox  func(t testing.TB, h durable.HandlerFunc, opts *durable.InboxOptions) inboxAPI
	sqlite    *sql.DB
	pg        *pgxpool.Pool
	pgURL     string
	sqlPath   string
}

// eachDB runs fn against a fresh SQLite database and, when DATABASE_URL is
// set, a fresh PostgreSQL database. Under CI a missing DATABASE_URL fails.
func eachDB(t *testing.T, fn func(t *testing.T, db *testDB)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, newSQLiteDB(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, newPostgresDB(t))
	})
}

func newSQLiteDB(t testing.TB) *testDB {
	path := filepath.Join(t.TempDir(), "durable.db")
	return openSQLiteDB(t, path, true)
}

func openSQLiteDB(t testing.TB, path string, migrate bool) *testDB {
	db, err := durable.OpenSQLite(path)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	b := durable.SQLite(db)
	if migrate {
		require.NoError(t, durable.Migrate(context.Background(), b))
	}
	return &testDB{
		name:    "sqlite",
		sqlite:  db,
		sqlPath: path,
		newOutbox: func(t testing.TB, retry webhook.RetryPolicy, opts *durable.OutboxOptions) outboxAPI {
			return newOwnOutbox(t, b, senderOptions(retry), opts)
		},
		newInbox: func(t testing.TB, h durable.HandlerFunc, opts *durable.InboxOptions) inboxAPI {
			return newOwnInbox(t, b, h, opts)
		},
	}
}

// postgresURL returns DATABASE_URL, skipping the test without it (failing
// under CI).
func postgresURL(t testing.TB) string {
	u := os.Getenv("DATABASE_URL")
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("DATABASE_URL is not set; CI must run PostgreSQL (source .ci/postgres.sh)")
		}
		t.Skip("DATABASE_URL is not set")
	}
	return u
}

// newPostgresDB creates a database of its own for one test, so tests run
// in parallel, and drops it afterwards.
func newPostgresDB(t testing.TB) *testDB { return newPostgresDBMigrated(t, true) }

// newPostgresDBUnmigrated is an empty database of its own, for a dump.
func newPostgresDBUnmigrated(t testing.TB) *testDB { return newPostgresDBMigrated(t, false) }

func newPostgresDBMigrated(t testing.TB, migrate bool) *testDB {
	base := postgresURL(t)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	require.NoError(t, err)
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	name := "durable_test_" + hex.EncodeToString(rnd[:])
	_, err = admin.Exec(ctx, "CREATE DATABASE "+name)
	require.NoError(t, err)
	cfg, err := pgxpool.ParseConfig(base)
	require.NoError(t, err)
	cfg.ConnConfig.Database = name
	t.Cleanup(func() {
		_, _ = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close(ctx)
	})
	db := openPostgresDB(t, cfg, migrate)
	db.pgURL = replaceDBName(base, name)
	return db
}

func openPostgresDB(t testing.TB, cfg *pgxpool.Config, migrate bool) *testDB {
	cfg.MaxConns = 120
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	b := durable.Postgres(pool)
	if migrate {
		require.NoError(t, durable.Migrate(context.Background(), b))
	}
	return &testDB{
		name: "postgres",
		pg:   pool,
		newOutbox: func(t testing.TB, retry webhook.RetryPolicy, opts *durable.OutboxOptions) outboxAPI {
			return newOwnOutbox(t, b, senderOptions(retry), opts)
		},
		newInbox: func(t testing.TB, h durable.HandlerFunc, opts *durable.InboxOptions) inboxAPI {
			return newOwnInbox(t, b, h, opts)
		},
	}
}

func replaceDBName(base, name string) string {
	cfg, err := pgx.ParseConfig(base)
	if err != nil {
		return base
	}
	return "postgres://" + cfg.User + "@" + cfg.Host + ":" + strconv.Itoa(int(cfg.Port)) + "/" + name + "?sslmode=disable"
}

// fastWorkers is the workers of a test's component (its Runtime polls
// quickly: see testRuntimeOptions).
const fastWorkers = 20

// endpoint is a loopback receiver that verifies signatures, counts every
// request by message id, and processes each id once.
type endpoint struct {
	*httptest.Server
	mu         sync.Mutex
	received   map[string]int    // requests per id, verified ones only
	processed  map[string]int    // times each id was processed: at most once
	bad        int               // requests that failed verification
	duplicates int               // verified requests for an id already processed
	byWorker   map[string]int    // verified requests per X-Test-Worker
	workerOf   map[string]string // X-Test-Worker of each id's last verified request
	respond    func(id string, n int) (status int, header http.Header)
	notify     chan string
}

func newEndpoint(t testing.TB, respond func(id string, n int) (int, http.Header)) *endpoint {
	v, err := webhook.NewVerifier(testSecret, nil)
	require.NoError(t, err)
	e := &endpoint{received: map[string]int{}, processed: map[string]int{}, byWorker: map[string]int{}, workerOf: map[string]string{}, respond: respond, notify: make(chan string, 1<<16)}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := v.VerifyRequest(r); err != nil {
			e.mu.Lock()
			e.bad++
			e.mu.Unlock()
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		id := r.Header.Get(webhook.IDHeader)
		e.mu.Lock()
		e.received[id]++
		e.byWorker[r.Header.Get("X-Test-Worker")]++
		e.workerOf[id] = r.Header.Get("X-Test-Worker")
		n := e.received[id]
		e.mu.Unlock()
		status, h := http.StatusOK, http.Header(nil)
		if e.respond != nil {
			status, h = e.respond(id, n)
		}
		for k, vs := range h {
			w.Header()[k] = vs
		}
		if status >= 200 && status < 300 {
			// Deduplicate by id, as the consumer middleware does: a message
			// already processed is acknowledged without processing it again.
			e.mu.Lock()
			if e.processed[id] == 0 {
				e.processed[id]++
			} else {
				e.duplicates++
			}
			e.mu.Unlock()
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"ok":true}`))
		select {
		case e.notify <- id:
		default:
		}
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *endpoint) processedCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.processed)
}

func (e *endpoint) count(id string) (received, processed int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.received[id], e.processed[id]
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
