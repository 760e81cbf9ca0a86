package endpoints

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/internal/core"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The endpoints' default retry schedule spans a day and more, inside the
// default DisableAfter, and is what New uses for a nil Retry.
func TestDefaultEndpointRetryHorizon(t *testing.T) {
	t.Parallel()
	db, err := durable.OpenSQLite(filepath.Join(t.TempDir(), "horizon.db"))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	require.NoError(t, Migrate(context.Background(), durable.SQLite(db))) // New checks the secret keys
	rt, err := durable.NewRuntime(durable.SQLite(db), nil)
	require.NoError(t, err)
	e, err := New(rt, nil)
	require.NoError(t, err)

	var horizon time.Duration
	n := 1
	for ; ; n++ {
		d, ok := e.opts.Retry.Delay(n, 0)
		if !ok {
			break
		}
		horizon += d
	}
	assert.Equal(t, 8, n, "attempts")
	assert.Equal(t, 8, core.AttemptsOf(e.opts.Retry))
	assert.Equal(t, 27*time.Hour+35*time.Minute+5*time.Second, horizon)
	assert.Less(t, horizon, e.opts.DisableAfter, "messages give up before their endpoint is disabled")
	assert.Equal(t, 5*24*time.Hour, e.opts.DisableAfter)
	d, ok := e.opts.Retry.Delay(1, 24*time.Hour)
	assert.True(t, ok)
	assert.Equal(t, 10*time.Hour, d, "a Retry-After is honoured up to the longest wait")

	assert.Equal(t, 5, e.opts.BreakerThreshold)
	assert.Equal(t, time.Minute, e.opts.BreakerCooldown)
	assert.Equal(t, time.Hour, e.opts.BreakerMaxCooldown)
}

// The wait between probes doubles from the cooldown up to its cap, and
// never overflows.
func TestBreakerCooldown(t *testing.T) {
	t.Parallel()
	o := Options{BreakerCooldown: time.Minute, BreakerMaxCooldown: time.Hour}
	tests := []struct {
		opens int
		want  time.Duration
	}{
		{0, time.Minute},
		{1, 2 * time.Minute},
		{5, 32 * time.Minute},
		{6, time.Hour},
		{7, time.Hour},
		{1000, time.Hour},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, o.cooldown(tc.opens), "after %d openings", tc.opens)
	}
	odd := Options{BreakerCooldown: 7 * time.Second, BreakerMaxCooldown: 20 * time.Second}
	assert.Equal(t, 14*time.Second, odd.cooldown(1))
	assert.Equal(t, 20*time.Second, odd.cooldown(2), "capped, not doubled past the cap")
}

// BenchmarkLoadEndpoint measures the cost of folding the breaker into the
// endpoint's row, the read of every delivery: "row" is the endpoint's
// columns alone, as before the breaker, "with_breaker" the same joined
// with the breaker's (a healthy endpoint has no breaker row), as
// [loadEndpoint] reads them.
func BenchmarkLoadEndpoint(b *testing.B) {
	ctx := b.Context()
	db, err := durable.OpenSQLite(filepath.Join(b.TempDir(), "load.db"))
	require.NoError(b, err)
	b.Cleanup(func() { db.Close() })
	backend := durable.SQLite(db)
	require.NoError(b, Migrate(ctx, backend))
	rt, err := durable.NewRuntime(backend, nil)
	require.NoError(b, err)
	e, err := New(rt, &Options{InsecureAllowPrivateNetworks: true})
	require.NoError(b, err)
	_, err = e.CreateApplication(ctx, "acme", "")
	require.NoError(b, err)
	ep, _, err := e.CreateEndpoint(ctx, "acme", Input{URL: "https://example.com/hook"})
	require.NoError(b, err)

	const row = `endpoint_id, app_id, url, description, enabled, filter, rate, burst, headers,
	version, failing_since_us, disabled_reason, created_us, updated_us`
	for _, bc := range []struct{ name, query string }{
		{"row", `SELECT ` + row + ` FROM webhook_endpoint WHERE endpoint_id = ?`},
		{"with_breaker", `SELECT ` + row + `, ` + breakerColumns + ` FROM ` + endpointFrom + ` WHERE endpoint_id = ?`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var s [7]string
				var n [6]int64
				var f float64
				var br breakerRow
				dest := []any{&s[0], &s[1], &s[2], &s[3], &n[0], &s[4], &f, &n[1], &s[5], &n[2], &n[3], &s[6], &n[4], &n[5]}
				if bc.name == "with_breaker" {
					dest = append(dest, br.dest()...)
				}
				found := false
				err := core.QueryEach(ctx, e.db, bc.query, []any{ep.ID}, func(r core.Rows) error { found = true; return r.Scan(dest...) })
				if err != nil || !found {
					b.Fatal(err)
				}
			}
		})
	}
}
