package endpoints_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
	"github.com/signedhooks/webhook/durable/internal/compattest"
)

// sealedAPI is an Endpoints on a Runtime of its own, with the calls these
// tests need.
type sealedAPI interface {
	endpointsAPI
	ListEndpoints(ctx context.Context, appID string) ([]endpoints.Endpoint, error)
	RevealSecret(ctx context.Context, appID, endpointID string) (string, error)
	ReencryptSecrets(ctx context.Context) (int, error)
}

// secretsDB is one migrated database, on which the tests open several
// Endpoints (processes) with different keys, and which they read and
// change directly, as someone holding a dump or the database would.
type secretsDB struct {
	name string
	open func(opts *endpoints.Options) (sealedAPI, error)
	// cells returns every value of every row of every table, as bytes.
	cells func(t *testing.T) [][]byte
	// exec runs q ("?" placeholders) on the database.
	exec func(t *testing.T, q string, args ...any) int64
	// column returns the first column of the one row q selects.
	column func(t *testing.T, q string) []byte
}

// eachSecretsDB runs fn on SQLite and PostgreSQL (skipped without
// DATABASE_URL, failing under CI), each a fresh database.
func eachSecretsDB(t *testing.T, fn func(t *testing.T, db *secretsDB)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, newSQLiteSecretsDB(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, newPostgresSecretsDB(t))
	})
}

func openSealed[TTx any](t *testing.T, b durable.Backend[TTx], opts *endpoints.Options) (sealedAPI, error) {
	rt := newRuntime(t, b, nil)
	e, err := endpoints.New(rt, opts)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = rt.Stop(ctx)
	})
	return ownEndpoints[TTx]{e, runtimeControl[TTx]{rt}}, nil
}

func newSQLiteSecretsDB(t *testing.T) *secretsDB {
	db, err := durable.OpenSQLite(filepath.Join(t.TempDir(), "secrets.db"))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return sqliteSecretsDB(t, db)
}

func sqliteSecretsDB(t *testing.T, db *sql.DB) *secretsDB {
	b := durable.SQLite(db)
	require.NoError(t, endpoints.Migrate(context.Background(), b))
	return &secretsDB{
		name: "sqlite",
		open: func(opts *endpoints.Options) (sealedAPI, error) { return openSealed(t, b, opts) },
		cells: func(t *testing.T) [][]byte {
			ctx := context.Background()
			var tables []string
			rs, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table'`)
			require.NoError(t, err)
			for rs.Next() {
				var name string
				require.NoError(t, rs.Scan(&name))
				tables = append(tables, name)
			}
			require.NoError(t, rs.Err())
			rs.Close()
			require.Contains(t, tables, "webhook_endpoint_secret")
			var out [][]byte
			for _, table := range tables {
				rs, err := db.QueryContext(ctx, `SELECT * FROM "`+table+`"`)
				require.NoError(t, err)
				cols, err := rs.Columns()
				require.NoError(t, err)
				for rs.Next() {
					vals := make([]sql.RawBytes, len(cols))
					ptrs := make([]any, len(cols))
					for i := range vals {
						ptrs[i] = &vals[i]
					}
					require.NoError(t, rs.Scan(ptrs...))
					for _, v := range vals {
						out = append(out, bytes.Clone(v))
					}
				}
				require.NoError(t, rs.Err())
				rs.Close()
			}
			return out
		},
		column: func(t *testing.T, q string) []byte {
			var v []byte
			require.NoError(t, db.QueryRowContext(context.Background(), q).Scan(&v))
			return v
		},
		exec: func(t *testing.T, q string, args ...any) int64 {
			res, err := db.ExecContext(context.Background(), q, args...)
			require.NoError(t, err)
			n, err := res.RowsAffected()
			require.NoError(t, err)
			return n
		},
	}
}

func newPostgresSecretsDB(t *testing.T) *secretsDB {
	return postgresSecretsDB(t, epPostgresPool(t))
}

func postgresSecretsDB(t *testing.T, pool *pgxpool.Pool) *secretsDB {
	b := durable.Postgres(pool)
	require.NoError(t, endpoints.Migrate(context.Background(), b))
	return &secretsDB{
		name: "postgres",
		open: func(opts *endpoints.Options) (sealedAPI, error) { return openSealed(t, b, opts) },
		cells: func(t *testing.T) [][]byte {
			ctx := context.Background()
			var tables []string
			rs, err := pool.Query(ctx, `SELECT table_name FROM information_schema.tables
	WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
			require.NoError(t, err)
			for rs.Next() {
				var name string
				require.NoError(t, rs.Scan(&name))
				tables = append(tables, name)
			}
			require.NoError(t, rs.Err())
			require.Contains(t, tables, "webhook_endpoint_secret")
			var out [][]byte
			for _, table := range tables {
				// Each row as text, as pg_dump writes it, and each value as
				// it comes over the wire.
				rs, err := pool.Query(ctx, `SELECT t::text, t.* FROM "`+table+`" AS t`)
				require.NoError(t, err)
				for rs.Next() {
					for _, v := range rs.RawValues() {
						out = append(out, bytes.Clone(v))
					}
				}
				require.NoError(t, rs.Err())
			}
			return out
		},
		column: func(t *testing.T, q string) []byte {
			var v []byte
			require.NoError(t, pool.QueryRow(context.Background(), q).Scan(&v))
			return v
		},
		exec: func(t *testing.T, q string, args ...any) int64 {
			n := 0
			q = replaceEach(q, "?", func() string { n++; return fmt.Sprintf("$%d", n) })
			tag, err := pool.Exec(context.Background(), q, args...)
			require.NoError(t, err)
			return tag.RowsAffected()
		},
	}
}

func replaceEach(s, old string, next func() string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, old)
		if i < 0 {
			return b.String() + s
		}
		b.WriteString(s[:i])
		b.WriteString(next())
		s = s[i+len(old):]
	}
}

// secretForms are the ways a secret could show in a dump: its "whsec_"
// text, its base64 (padded or not), its bytes and its hex.
func secretForms(t *testing.T, secret string) [][]byte {
	key, err := webhook.ParseSecret(secret)
	require.NoError(t, err)
	return [][]byte{
		[]byte(secret), []byte(base64.StdEncoding.EncodeToString(key)), []byte(base64.RawStdEncoding.EncodeToString(key)),
		key, []byte(hex.EncodeToString(key)),
	}
}

// holds reports whether any cell holds any form of any of the secrets.
func holds(t *testing.T, cells [][]byte, secrets ...string) bool {
	for _, s := range secrets {
		for _, form := range secretForms(t, s) {
			for _, c := range cells {
				if bytes.Contains(c, form) {
					return true
				}
			}
		}
	}
	return false
}

// newKeys returns n new keys in text form.
func newKeys(t testing.TB, n int) []string {
	keys := make([]string, n)
	for i := range keys {
		k, err := endpoints.NewSecretKey()
		require.NoError(t, err)
		keys[i] = k
	}
	return keys
}

// ring is the key ring of keys, in order: the first one encrypts.
func ring(t testing.TB, keys ...string) *endpoints.KeyRing {
	r, err := endpoints.ParseKeyRing(strings.Join(keys, ","))
	require.NoError(t, err)
	return r
}

func sealedOptions(keys *endpoints.KeyRing) *endpoints.Options {
	return &endpoints.Options{SecretKeys: keys, InsecureAllowPrivateNetworks: true, Retry: testRetry(8, 20*time.Millisecond)}
}

// middlewareConsumer is a customer's receivers, one per path: the core
// middleware, verifying with the secrets the customer has, in front of a
// handler that counts each message id per path. Requests that fail
// verification (answered 401 by the middleware) are counted apart.
type middlewareConsumer struct {
	*httptest.Server
	v        atomic.Pointer[webhook.Verifier]
	mu       sync.Mutex
	got      map[string]int // "path id" -> verified requests handled
	rejected int
	failOnce map[string]bool // ids answered 503 on their first attempt
}

func newMiddlewareConsumer(t *testing.T) *middlewareConsumer {
	c := &middlewareConsumer{got: map[string]int{}, failOnce: map[string]bool{}}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := c.v.Load()
		if v == nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		// A middleware (and so a store) per request: each endpoint is a
		// receiver of its own, and deliveries of one id to several
		// endpoints must each reach the handler.
		webhook.Middleware(v, &webhook.MiddlewareOptions{
			OnOutcome: func(_ context.Context, o webhook.Outcome) {
				if o.Kind == webhook.OutcomeRejected {
					c.mu.Lock()
					c.rejected++
					c.mu.Unlock()
				}
			},
		})(http.HandlerFunc(c.handle)).ServeHTTP(w, r)
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *middlewareConsumer) handle(w http.ResponseWriter, r *http.Request) {
	ev, _ := webhook.EventFromContext(r.Context())
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failOnce[ev.ID] {
		delete(c.failOnce, ev.ID)
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	c.got[r.URL.Path+" "+ev.ID]++
}

// useSecrets makes the receiver verify with secrets ("whsec_..."), any of
// which may match.
func (c *middlewareConsumer) useSecrets(t *testing.T, secrets ...string) {
	keys := make([][]byte, len(secrets))
	for i, s := range secrets {
		k, err := webhook.ParseSecret(s)
		require.NoError(t, err)
		keys[i] = k
	}
	v, err := webhook.NewVerifier(keys[0], &webhook.VerifierOptions{AdditionalSecrets: keys[1:]})
	require.NoError(t, err)
	c.v.Store(v)
}

func (c *middlewareConsumer) failFirst(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failOnce[id] = true
}

// count returns how many verified requests for id reached path.
func (c *middlewareConsumer) count(path, id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.got[path+" "+id]
}

func (c *middlewareConsumer) rejections() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rejected
}

// With a key ring, a dump of the whole database (every value of every
// table) holds no form of any secret: generated, rotated or imported, live
// or in grace, after deliveries. Without one it does, which shows the dump
// would find them.
func TestSecretsAtRestDump(t *testing.T) {
	t.Parallel()
	keys := ring(t, newKeys(t, 1)...)
	for _, sealed := range []bool{true, false} {
		t.Run(fmt.Sprint("sealed=", sealed), func(t *testing.T) {
			t.Parallel()
			var kr *endpoints.KeyRing
			if sealed {
				kr = keys
			}
			eachSecretsDB(t, func(t *testing.T, db *secretsDB) {
				ctx := context.Background()
				e, err := db.open(sealedOptions(kr))
				require.NoError(t, err)
				c := newMiddlewareConsumer(t)
				_, err = e.CreateApplication(ctx, "acme", "Acme")
				require.NoError(t, err)
				ep, first, err := e.CreateEndpoint(ctx, "acme", endpoints.Input{URL: c.URL + "/a"})
				require.NoError(t, err)
				rotated, err := e.RotateSecret(ctx, "acme", ep.ID, time.Hour) // first stays in grace
				require.NoError(t, err)
				imported := webhook.FormatSecret(bytes.Repeat([]byte{0x5a, 0xa5, 0x3c}, 8)) // 24 bytes, as another service made it
				_, got, err := e.CreateEndpoint(ctx, "acme", endpoints.Input{URL: c.URL + "/b", Secret: imported})
				require.NoError(t, err)
				assert.Equal(t, imported, got)
				c.useSecrets(t, rotated, imported)
				require.NoError(t, e.Start(ctx))
				res, err := e.Publish(ctx, "acme", "invoice.paid", []byte(`{"n":1}`), "msg_1")
				require.NoError(t, err)
				require.Equal(t, 2, res.Deliveries)
				require.Eventually(t, func() bool { return c.count("/a", "msg_1") == 1 && c.count("/b", "msg_1") == 1 },
					20*time.Second, 10*time.Millisecond)
				require.NoError(t, e.Stop(ctx))

				cells := db.cells(t)
				require.NotEmpty(t, cells)
				assert.Equal(t, !sealed, holds(t, cells, first), "the secret in grace")
				assert.Equal(t, !sealed, holds(t, cells, rotated), "the live secret")
				assert.Equal(t, !sealed, holds(t, cells, imported), "the imported secret")
				assert.Zero(t, c.rejections())
			})
		})
	}
}

// A key ring is rotated while messages are in flight (each failing once,
// so that retries span the rotation): a process with the old key, then one
// with the new key first and the old one kept, which re-encrypts and
// rotates an endpoint secret while delivering, then one with the new key
// alone. Every message arrives, verified by the receiver's middleware, and
// no request fails verification.
func TestSecretsKeyRotationInFlight(t *testing.T) {
	t.Parallel()
	keys := newKeys(t, 2)
	oldRing, newRing, both := ring(t, keys[0]), ring(t, keys[1]), ring(t, keys[1], keys[0])
	// Every message fails once, so an endpoint may fail several times in
	// a row: keep its circuit breaker closed, which would park deliveries
	// for a minute, as it should for a dead endpoint; breakers are not
	// what this test is about.
	options := func(kr *endpoints.KeyRing) *endpoints.Options {
		o := sealedOptions(kr)
		o.BreakerThreshold = 1000
		return o
	}
	eachSecretsDB(t, func(t *testing.T, db *secretsDB) {
		ctx := context.Background()
		c := newMiddlewareConsumer(t)
		a, err := db.open(options(oldRing))
		require.NoError(t, err)
		_, err = a.CreateApplication(ctx, "acme", "Acme")
		require.NoError(t, err)
		var eps []endpoints.Endpoint
		var secrets []string
		for i := range 3 {
			ep, s, err := a.CreateEndpoint(ctx, "acme", endpoints.Input{URL: fmt.Sprintf("%s/%d", c.URL, i)})
			require.NoError(t, err)
			eps, secrets = append(eps, ep), append(secrets, s)
		}
		c.useSecrets(t, secrets...)
		const n = 30
		publish := func(e sealedAPI, from, to int) {
			for i := from; i < to; i++ {
				id := fmt.Sprintf("msg_%d", i)
				c.failFirst(id) // per id: the first endpoint to get it fails once
				_, err := e.Publish(ctx, "acme", "invoice.paid", []byte(`{}`), id)
				require.NoError(t, err)
			}
		}
		start := time.Now()
		phase := func(name string) { t.Logf("%s: %s", name, time.Since(start).Round(time.Millisecond)) }
		require.NoError(t, a.Start(ctx))
		publish(a, 0, n/3)
		phase("published with the old key")

		// The deploy: a process with the new key first, beside the old one.
		b, err := db.open(options(both))
		require.NoError(t, err)
		require.NoError(t, b.Start(ctx))
		stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		require.NoError(t, a.Stop(stopCtx), "the old process leaves; its jobs in flight go back to the queue")
		cancel()
		phase("old process stopped")
		publish(b, n/3, 2*n/3)
		reencrypted := make(chan int, 1)
		go func() {
			k, err := b.ReencryptSecrets(ctx)
			assert.NoError(t, err)
			reencrypted <- k
		}()
		rotated, err := b.RotateSecret(ctx, "acme", eps[0].ID, time.Hour)
		require.NoError(t, err)
		c.useSecrets(t, append(secrets, rotated)...)
		assert.Equal(t, len(eps), <-reencrypted, "the secrets sealed under the old key, the one in grace included")
		k, err := b.ReencryptSecrets(ctx)
		require.NoError(t, err)
		assert.Zero(t, k, "idempotent: everything is under the new key")

		// The old key leaves the ring.
		cNew, err := db.open(options(newRing))
		require.NoError(t, err, "nothing is sealed under the old key any more")
		require.NoError(t, cNew.Start(ctx))
		stopCtx, cancel = context.WithTimeout(ctx, 10*time.Second)
		require.NoError(t, b.Stop(stopCtx))
		cancel()
		phase("re-encrypted, rotated, process with both keys stopped")
		publish(cNew, 2*n/3, n)

		for i := range n {
			id := fmt.Sprintf("msg_%d", i)
			for j := range eps {
				path := fmt.Sprintf("/%d", j)
				require.Eventually(t, func() bool { return c.count(path, id) >= 1 }, 30*time.Second, 10*time.Millisecond,
					"%s reaches endpoint %s", id, path)
			}
		}
		assert.Zero(t, c.rejections(), "no request was unsigned or signed with a wrong secret")
		assert.False(t, holds(t, db.cells(t), append(secrets, rotated)...))
		_, err = db.open(options(oldRing))
		require.ErrorIs(t, err, endpoints.ErrSecretKeys, "the old key alone cannot read the database any more")
	})
}

// New refuses keys that cannot read the database, with
// ErrSecretKeys and a message naming the key ids: a different key, no key
// at all once secrets are encrypted, and a key whose check value was
// changed. The old key beside a new one, or a ring whose new key is first,
// starts.
func TestSecretsWrongKeysRefuseToStart(t *testing.T) {
	t.Parallel()
	keys := newKeys(t, 3)
	k1, k2, stranger := ring(t, keys[0]), ring(t, keys[1]), ring(t, keys[2])
	eachSecretsDB(t, func(t *testing.T, db *secretsDB) {
		ctx := context.Background()
		plain, err := db.open(sealedOptions(nil))
		require.NoError(t, err, "no keys, nothing encrypted: the plaintext behaviour of earlier releases")
		_, err = plain.CreateApplication(ctx, "acme", "Acme")
		require.NoError(t, err)
		_, _, err = plain.CreateEndpoint(ctx, "acme", endpoints.Input{URL: "https://acme.example/hooks"})
		require.NoError(t, err)

		_, err = db.open(sealedOptions(k1))
		require.NoError(t, err, "any key may start encrypting a plaintext database")
		e1, err := db.open(sealedOptions(k1))
		require.NoError(t, err)
		_, _, err = e1.CreateEndpoint(ctx, "acme", endpoints.Input{URL: "https://acme.example/sealed"})
		require.NoError(t, err)

		for name, kr := range map[string]*endpoints.KeyRing{"another key": stranger, "no keys": nil} {
			_, err := db.open(sealedOptions(kr))
			require.ErrorIs(t, err, endpoints.ErrSecretKeys, name)
			assert.Contains(t, err.Error(), k1.KeyIDs()[0], "%s: the error names the missing key", name)
			assert.NotContains(t, err.Error(), strings.TrimPrefix(keys[0], "whkey_")[:16], "and never shows it")
		}
		_, err = db.open(sealedOptions(ring(t, keys[1], keys[0])))
		require.NoError(t, err, "a new key first, the old one kept")
		_, err = db.open(sealedOptions(ring(t, keys[0], keys[1])))
		require.NoError(t, err, "an extra key after the newest")
		_, err = db.open(sealedOptions(k2))
		require.ErrorIs(t, err, endpoints.ErrSecretKeys, "a new key alone, before re-encryption")

		// A check value that does not open under its key: a key that is
		// not the one that sealed (or a tampered table).
		n := db.exec(t, `UPDATE webhook_secret_key SET check_value = (SELECT check_value FROM webhook_secret_key WHERE key_id = ?) WHERE key_id = ?`,
			k2.KeyIDs()[0], k1.KeyIDs()[0])
		require.EqualValues(t, 1, n)
		_, err = db.open(sealedOptions(ring(t, keys[1], keys[0])))
		require.ErrorIs(t, err, endpoints.ErrSecretKeys)
	})
}

// A customer moving from another service keeps its secret: the endpoint
// is created with it, through the Go API or the management API, and the
// customer's middleware, configured with that secret alone, verifies the
// deliveries. The API answers the secret at creation only.
func TestSecretsImport(t *testing.T) {
	t.Parallel()
	keys := ring(t, newKeys(t, 1)...)
	svixLike := "whsec_" + base64.StdEncoding.EncodeToString([]byte("twenty-four bytes secret")) // 24 bytes
	long := webhook.FormatSecret(bytes.Repeat([]byte{7}, 64))
	raw := "a-raw-secret-of-the-reference-sender" // taken as its bytes, as webhook.ParseSecret does
	eachSecretsDB(t, func(t *testing.T, db *secretsDB) {
		ctx := context.Background()
		e, err := db.open(sealedOptions(keys))
		require.NoError(t, err)
		_, err = e.CreateApplication(ctx, "acme", "Acme")
		require.NoError(t, err)
		consumers := map[string]*middlewareConsumer{}
		for name, secret := range map[string]string{"svix-like": svixLike, "64 bytes": long, "raw": raw} {
			c := newMiddlewareConsumer(t)
			c.useSecrets(t, secret)
			consumers[name] = c
			ep, got, err := e.CreateEndpoint(ctx, "acme", endpoints.Input{URL: c.URL + "/hooks", Secret: secret})
			require.NoError(t, err, name)
			key, err := webhook.ParseSecret(secret)
			require.NoError(t, err)
			assert.Equal(t, webhook.FormatSecret(key), got, "%s: the answer is the secret in whsec_ form", name)
			revealed, err := e.RevealSecret(ctx, "acme", ep.ID)
			require.NoError(t, err)
			assert.Equal(t, got, revealed, "%s: the portal reveals the sealed secret", name)
		}
		// Through the API.
		api := newMiddlewareConsumer(t)
		api.useSecrets(t, svixLike)
		h := e.Handler(nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/applications/acme/endpoints",
			strings.NewReader(`{"url":"`+api.URL+`/hooks","secret":"`+svixLike+`"}`)))
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		assert.Contains(t, rec.Body.String(), svixLike, "shown once, at creation")
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/applications/acme/endpoints", nil))
		require.Equal(t, http.StatusOK, rec.Code)
		assert.NotContains(t, rec.Body.String(), "whsec_")
		consumers["api"] = api

		require.NoError(t, e.Start(ctx))
		_, err = e.Publish(ctx, "acme", "invoice.paid", []byte(`{"n":1}`), "msg_1")
		require.NoError(t, err)
		for name, c := range consumers {
			require.Eventually(t, func() bool { return c.count("/hooks", "msg_1") == 1 }, 20*time.Second, 10*time.Millisecond, name)
			assert.Zero(t, c.rejections(), name)
		}
		assert.False(t, holds(t, db.cells(t), svixLike, long, raw))
	})
}

// A sealed secret that was changed in the database, or moved to another
// endpoint's row, does not open: the delivery is never sent (neither
// unsigned nor signed with something else), it fails and is kept as a
// dead letter, and the endpoint's secrets read as an ErrSecretKeys error.
func TestSecretsTamperedRefused(t *testing.T) {
	t.Parallel()
	keys := ring(t, newKeys(t, 1)...)
	eachSecretsDB(t, func(t *testing.T, db *secretsDB) {
		ctx := context.Background()
		opts := sealedOptions(keys)
		opts.Retry = testRetry(3, 10*time.Millisecond)
		e, err := db.open(opts)
		require.NoError(t, err)
		_, err = e.CreateApplication(ctx, "acme", "Acme")
		require.NoError(t, err)
		c := newMiddlewareConsumer(t)
		var eps []endpoints.Endpoint
		for _, path := range []string{"/flipped", "/swapped", "/intact"} {
			ep, s, err := e.CreateEndpoint(ctx, "acme", endpoints.Input{URL: c.URL + path})
			require.NoError(t, err)
			c.useSecrets(t, s) // whichever: the receiver only counts
			eps = append(eps, ep)
		}
		// Flip one character of the first endpoint's ciphertext; give the
		// second endpoint the third one's sealed value.
		require.EqualValues(t, 1, db.exec(t, `UPDATE webhook_endpoint_secret SET secret =
	substr(secret, 1, length(secret) - 6) || CASE WHEN substr(secret, length(secret) - 5, 1) = 'A' THEN 'B' ELSE 'A' END || substr(secret, length(secret) - 4)
	WHERE endpoint_id = ?`, eps[0].ID))
		require.EqualValues(t, 1, db.exec(t, `UPDATE webhook_endpoint_secret SET secret =
	(SELECT secret FROM webhook_endpoint_secret WHERE endpoint_id = ?) WHERE endpoint_id = ?`, eps[2].ID, eps[1].ID))

		for _, ep := range eps[:2] {
			got, err := e.GetEndpoint(ctx, "acme", ep.ID)
			require.NoError(t, err, "showing an endpoint does not open its secrets")
			assert.Len(t, got.Secrets, 1)
			_, err = e.RevealSecret(ctx, "acme", ep.ID)
			require.ErrorIs(t, err, endpoints.ErrSecretKeys, "revealing one does")
		}
		require.NoError(t, e.Start(ctx))
		_, err = e.Publish(ctx, "acme", "invoice.paid", []byte(`{}`), "msg_1")
		require.NoError(t, err)
		require.Eventually(t, func() bool { return c.count("/intact", "msg_1") == 1 }, 20*time.Second, 10*time.Millisecond)
		for _, ep := range eps[:2] {
			require.Eventually(t, func() bool {
				it, err := e.Delivery(ctx, "acme", ep.ID, "msg_1")
				return err == nil && it.State == durable.StateDead && len(it.Errors) == 3
			}, 20*time.Second, 10*time.Millisecond, "every attempt failed before sending")
			page, err := e.ListAttempts(ctx, "acme", endpoints.AttemptFilter{EndpointID: ep.ID}, "", 10)
			require.NoError(t, err)
			assert.Empty(t, page.Items, "no attempt was made")
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		assert.Equal(t, map[string]int{"/intact msg_1": 1}, c.got, "nothing reached the tampered endpoints")
		assert.Zero(t, c.rejected, "nothing was sent unsigned or mis-signed")
	})
}

// A database of an earlier release, whose secrets are plaintext, keeps
// delivering once keys are configured; ReencryptSecrets seals its secrets
// while deliveries run, after which the dump holds none, and starting
// without keys is refused. Every fixture of TestCompatPreviousRelease.
func TestSecretsCompatPreviousRelease(t *testing.T) {
	t.Parallel()
	for _, f := range compatFixtures {
		t.Run(filepath.Base(f.file), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dump, err := os.ReadFile(f.file)
			require.NoError(t, err)
			var db *secretsDB
			moveJobs := `UPDATE river_job SET args = CAST(replace(CAST(args AS TEXT), ?, ?) AS BLOB)`
			if f.backend == "postgres" {
				db = postgresSecretsDB(t, loadPostgresDump(t, string(dump)))
				moveJobs = `UPDATE river_job SET args = replace(args::text, ?, ?)::jsonb`
			} else {
				sqlDB, err := durable.OpenSQLite(filepath.Join(t.TempDir(), "old.db"))
				require.NoError(t, err)
				t.Cleanup(func() { sqlDB.Close() })
				_, err = sqlDB.ExecContext(ctx, string(dump))
				require.NoError(t, err)
				db = sqliteSecretsDB(t, sqlDB) // migrates: the upgrade step
			}
			e, err := db.open(sealedOptions(nil))
			require.NoError(t, err)
			listed, err := e.ListEndpoints(ctx, "acme")
			require.NoError(t, err)
			require.Len(t, listed, 1)
			ep := listed[0]
			secret := string(db.column(t, `SELECT secret FROM webhook_endpoint_secret`))
			require.True(t, strings.HasPrefix(secret, "whsec_"), "the fixture's secret is plaintext")
			rc := compattest.NewReceiver(t, testSecret, secret)
			oldURL := f.oldURL
			if oldURL == "" {
				oldURL = strings.TrimSuffix(ep.URL, "/acme")
			}
			db.exec(t, moveJobs, oldURL, rc.URL)
			db.exec(t, `UPDATE webhook_endpoint SET url = replace(url, ?, ?)`, oldURL, rc.URL)

			keys := ring(t, newKeys(t, 1)...)
			e, err = db.open(sealedOptions(keys))
			require.NoError(t, err)
			require.NoError(t, e.Start(ctx))
			n, err := e.ReencryptSecrets(ctx)
			require.NoError(t, err)
			assert.Equal(t, 1, n)
			n, err = e.ReencryptSecrets(ctx)
			require.NoError(t, err)
			assert.Zero(t, n, "idempotent")
			for _, id := range []string{"msg_pub_1", "msg_pub_2"} {
				waitState(t, func(ctx context.Context, id string) (durable.Item, error) {
					return e.Delivery(ctx, "acme", ep.ID, id)
				}, id, durable.StateDone)
			}
			assert.Zero(t, rc.Bad(), "every request verifies with the customer's old secret")
			assert.True(t, strings.HasPrefix(string(db.column(t, `SELECT secret FROM webhook_endpoint_secret`)), "enc:v1:"))
			assert.False(t, holds(t, db.cells(t), secret))
			_, err = db.open(sealedOptions(nil))
			require.ErrorIs(t, err, endpoints.ErrSecretKeys, "once sealed, keys are required")
		})
	}
}
