package endpoints_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	webhook "github.com/signedhooks/webhook"
)

// compatFixtures are the databases written by earlier releases that
// durable's TestCompatPreviousRelease upgrades (see durable/compat_test.go,
// which says how each was written); oldURL is the receiver its jobs and
// endpoint were addressed to (read from the endpoint row when empty).
var compatFixtures = []struct{ file, backend, oldURL string }{
	{"../testdata/compat/main-f48600d.sql", "sqlite", "http://127.0.0.1:39057"},
	{"../testdata/compat/main-0d5ec19.sql", "sqlite", ""},
	{"../testdata/compat/main-0d5ec19.pg.sql", "postgres", ""},
}

// loadPostgresDump runs a pg_dump in a database of its own.
func loadPostgresDump(t *testing.T, dump string) *pgxpool.Pool {
	pool := epPostgresPool(t)
	pooled, err := pool.Acquire(context.Background())
	require.NoError(t, err)
	// pg_dump empties search_path for the session it writes for: load on
	// a connection that is then closed, not returned to the pool.
	conn := pooled.Hijack()
	defer conn.Close(context.Background())
	_, err = conn.Exec(context.Background(), dump)
	require.NoError(t, err)
	return pool
}

// compatReceiver verifies the fixtures' deliveries: the outbox's (any
// path) with testSecret and the endpoint's (/acme) with its secret, and
// keeps each id's body and signed time.
type compatReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	bodies map[string]string
	signed map[string]int64
	bad    int
}

func newCompatReceiver(t *testing.T, endpointSecret string) *compatReceiver {
	key, err := webhook.ParseSecret(endpointSecret)
	require.NoError(t, err)
	outbox, err := webhook.NewVerifier(testSecret, nil)
	require.NoError(t, err)
	endpoint, err := webhook.NewVerifier(key, nil)
	require.NoError(t, err)
	rc := &compatReceiver{bodies: map[string]string{}, signed: map[string]int64{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := outbox
		if strings.HasPrefix(r.URL.Path, "/acme") {
			v = endpoint
		}
		body, err := v.VerifyRequest(r)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if err != nil {
			rc.bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		id := r.Header.Get(webhook.IDHeader)
		rc.bodies[id] = string(body)
		rc.signed[id], _ = strconv.ParseInt(r.Header.Get(webhook.TimestampHeader), 10, 64)
	}))
	t.Cleanup(rc.Close)
	return rc
}
