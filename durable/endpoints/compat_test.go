package endpoints_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
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
