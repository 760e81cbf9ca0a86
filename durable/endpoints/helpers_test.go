package endpoints_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
)

// endpointsAPI is what the tests use of a *endpoints.Service, whatever its
// transaction type.
type endpointsAPI interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	CreateApplication(ctx context.Context, id, name string) (endpoints.Application, error)
	GetApplication(ctx context.Context, id string) (endpoints.Application, error)
	EventTypes() []endpoints.EventType
	PendingByEndpoint(ctx context.Context, limit int) ([]endpoints.Pending, error)
	ListEndpoints(ctx context.Context, appID string) ([]endpoints.Endpoint, error)
	ListApplications(ctx context.Context, cursor string, limit int) (endpoints.Page[endpoints.Application], error)
	DeleteApplication(ctx context.Context, id string) error
	GetMessage(ctx context.Context, appID, messageID string) (endpoints.MessageRecord, error)
	ListDeadLetters(ctx context.Context, appID, endpointID, cursor string, limit int) (endpoints.Page[endpoints.DeadLetter], error)
	Stats(ctx context.Context, appID, endpointID string, window time.Duration) (endpoints.Stats, error)
	CreateEndpoint(ctx context.Context, appID string, in endpoints.Input) (endpoints.Endpoint, string, error)
	GetEndpoint(ctx context.Context, appID, endpointID string) (endpoints.Endpoint, error)
	UpdateEndpoint(ctx context.Context, appID, endpointID string, upd endpoints.Update) (endpoints.Endpoint, error)
	EnableEndpoint(ctx context.Context, appID, endpointID string) (endpoints.Endpoint, error)
	DisableEndpoint(ctx context.Context, appID, endpointID string) (endpoints.Endpoint, error)
	DeleteEndpoint(ctx context.Context, appID, endpointID string) error
	RotateSecret(ctx context.Context, appID, endpointID string, grace time.Duration) (string, error)
	Publish(ctx context.Context, appID, eventType string, payload []byte, id string) (endpoints.PublishResult, error)
	ListMessages(ctx context.Context, appID, cursor string, limit int) (endpoints.Page[endpoints.MessageRecord], error)
	ListAttempts(ctx context.Context, appID string, f endpoints.AttemptFilter, cursor string, limit int) (endpoints.Page[endpoints.Attempt], error)
	Resend(ctx context.Context, appID, endpointID, messageID string) error
	Delivery(ctx context.Context, appID, endpointID, messageID string) (durable.Item, error)
	Recover(ctx context.Context, appID, endpointID string, since time.Time) (int, error)
	PurgeMessages(ctx context.Context, before time.Time) (int64, error)
	Handler(opts *endpoints.APIOptions) http.Handler
	setParkHook(hook func(jobID int64, d time.Duration) time.Duration)
	setLineWait(hook func(time.Duration) time.Duration)
	setBookedStart(hook func(jobID int64))
}

// epEnv is one freshly migrated database with an Endpoints over it.
type epEnv struct {
	name  string
	e     endpointsAPI
	clock *epClock
	// publishTx publishes in a transaction of the backend that is
	// committed when commit is true and rolled back otherwise.
	publishTx func(t *testing.T, appID, eventType, id string, commit bool) endpoints.PublishResult
}

// epClock is a settable clock shared by Endpoints and the receivers.
type epClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *epClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *epClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// eachEndpointsDB runs fn on SQLite and, when DATABASE_URL is set (always
// under CI), on PostgreSQL, each with a fresh database. opts may be nil;
// Now and InsecureAllowPrivateNetworks are set unless opts says otherwise.
func eachEndpointsDB(t *testing.T, opts *endpoints.Options, fn func(t *testing.T, env *epEnv)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, newSQLiteEndpoints(t, opts))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, newPostgresEndpoints(t, opts))
	})
}

func epOptions(opts *endpoints.Options, clock *epClock) *endpoints.Options {
	var o endpoints.Options
	if opts != nil {
		o = *opts
	}
	if o.Now == nil {
		o.Now = clock.Now
	}
	if o.AllowNetworks == nil {
		o.InsecureAllowPrivateNetworks = true // receivers are on loopback
	}
	if o.Retry == nil {
		o.Retry = testRetry(8, 20*time.Millisecond)
	}
	return &o
}

func newSQLiteEndpoints(t testing.TB, opts *endpoints.Options) *epEnv {
	db, err := durable.OpenSQLite(filepath.Join(t.TempDir(), "endpoints.db"))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	b := durable.SQLite(db)
	require.NoError(t, endpoints.Migrate(context.Background(), b))
	clock := &epClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	e := newOwnEndpoints(t, b, epOptions(opts, clock))
	return &epEnv{name: "sqlite", e: e, clock: clock,
		publishTx: func(t *testing.T, appID, eventType, id string, commit bool) endpoints.PublishResult {
			ctx := context.Background()
			tx, err := db.BeginTx(ctx, nil)
			require.NoError(t, err)
			res, err := e.PublishTx(ctx, tx, appID, eventType, []byte(`{}`), id)
			require.NoError(t, err)
			if commit {
				require.NoError(t, tx.Commit())
			} else {
				require.NoError(t, tx.Rollback())
			}
			return res
		}}
}

// epPostgresURL returns DATABASE_URL, skipping the test without it
// (failing under CI).
func epPostgresURL(t testing.TB) string {
	u := os.Getenv("DATABASE_URL")
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("DATABASE_URL is not set; CI must run PostgreSQL (source .ci/postgres.sh)")
		}
		t.Skip("DATABASE_URL is not set")
	}
	return u
}

// epPostgresPool creates a database of its own for one test and drops it
// afterwards.
func epPostgresPool(t testing.TB) *pgxpool.Pool {
	base := epPostgresURL(t)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	require.NoError(t, err)
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	name := "endpoints_test_" + hex.EncodeToString(rnd[:])
	_, err = admin.Exec(ctx, "CREATE DATABASE "+name)
	require.NoError(t, err)
	cfg, err := pgxpool.ParseConfig(base)
	require.NoError(t, err)
	cfg.ConnConfig.Database = name
	cfg.MaxConns = 20
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() {
		pool.Close()
		_, _ = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close(ctx)
	})
	return pool
}

func newPostgresEndpoints(t testing.TB, opts *endpoints.Options) *epEnv {
	pool := epPostgresPool(t)
	b := durable.Postgres(pool)
	require.NoError(t, endpoints.Migrate(context.Background(), b))
	clock := &epClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	e := newOwnEndpoints(t, b, epOptions(opts, clock))
	return &epEnv{name: "postgres", e: e, clock: clock,
		publishTx: func(t *testing.T, appID, eventType, id string, commit bool) endpoints.PublishResult {
			ctx := context.Background()
			tx, err := pool.Begin(ctx)
			require.NoError(t, err)
			res, err := e.PublishTx(ctx, tx, appID, eventType, []byte(`{}`), id)
			require.NoError(t, err)
			if commit {
				require.NoError(t, tx.Commit(ctx))
			} else {
				require.NoError(t, tx.Rollback(ctx))
			}
			return res
		}}
}

// start starts delivering and stops when the test ends.
func (env *epEnv) start(t testing.TB) {
	require.NoError(t, env.e.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, env.e.Stop(ctx))
	})
}

// addEndpoint creates an endpoint on path with filter and registers its
// secret with the receivers.
func addEndpoint(t testing.TB, env *epEnv, rc *receivers, appID, path string, filter []string) endpoints.Endpoint {
	ep, secret, err := env.e.CreateEndpoint(context.Background(), appID, endpoints.Input{URL: rc.URL + path, Filter: filter})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(secret, "whsec_"))
	rc.set(path, secret, 0)
	return ep
}

// waitDelivery waits until the delivery of messageID to endpointID is in
// state want.
func (env *epEnv) waitDelivery(t testing.TB, appID, endpointID, messageID string, want durable.State) {
	t.Helper()
	var it durable.Item
	require.Eventually(t, func() bool {
		var err error
		it, err = env.e.Delivery(context.Background(), appID, endpointID, messageID)
		return err == nil && it.State == want
	}, 20*time.Second, 10*time.Millisecond, "delivery of %s to %s: %+v", messageID, endpointID, it)
}
