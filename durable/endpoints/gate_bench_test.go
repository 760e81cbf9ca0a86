package endpoints_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
)

// Fan-out size of BenchmarkEndpointsFanOut: apps × endpointsPerApp
// endpoints (1,000), each receiving fanOutMessages messages.
const (
	fanOutApps      = 50
	endpointsPerApp = 20
	fanOutMessages  = 20
)

// countingSink answers 204 and counts requests.
func countingSink(b *testing.B) (*httptest.Server, *atomic.Int64) {
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		got.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(srv.Close)
	return srv, &got
}

// BenchmarkEndpointsFanOut drains 1,000 endpoints × 20 messages (20,000
// deliveries, published beforehand) through the endpoints' workers with
// the library's runtime defaults, next to the floor measured in the same
// run: bare River on the same backend, with as many workers, working as
// many jobs that each make one HTTP POST to the same kind of server. Run
// it with -benchtime=1x: each iteration is a whole drain.
func BenchmarkEndpointsFanOut(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind+"/endpoints", func(b *testing.B) {
			for range b.N {
				benchFanOut(b, kind)
			}
		})
		b.Run(kind+"/bare-river", func(b *testing.B) {
			for range b.N {
				benchBareRiver(b, kind)
			}
		})
	}
}

func benchFanOut(b *testing.B, kind string) {
	b.StopTimer()
	ctx := context.Background()
	var env *epEnv
	opts := &endpoints.Options{MaxWorkers: 100}
	if kind == "sqlite" {
		env = newSQLiteEndpoints(b, opts)
	} else {
		env = newPostgresEndpoints(b, opts)
	}
	srv, got := countingSink(b)
	payload := []byte(`{"id":"in_123","amount":4200,"currency":"eur"}`)
	for a := range fanOutApps {
		app := fmt.Sprintf("app%d", a)
		_, err := env.e.CreateApplication(ctx, app, "")
		require.NoError(b, err)
		for i := range endpointsPerApp {
			_, _, err := env.e.CreateEndpoint(ctx, app, endpoints.Input{URL: fmt.Sprintf("%s/%d/%d", srv.URL, a, i)})
			require.NoError(b, err)
		}
	}
	for a := range fanOutApps {
		for range fanOutMessages {
			_, err := env.e.Publish(ctx, fmt.Sprintf("app%d", a), "invoice.paid", payload, "")
			require.NoError(b, err)
		}
	}
	total := int64(fanOutApps * endpointsPerApp * fanOutMessages)
	b.StartTimer()
	start := time.Now()
	require.NoError(b, env.e.Start(ctx))
	for got.Load() < total {
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	stop(b, env.e)
	b.ReportMetric(float64(total)/elapsed.Seconds(), "deliveries/s")
}

// floorArgs is a bare River job: one POST to URL.
type floorArgs struct {
	URL string `json:"url"`
}

func (floorArgs) Kind() string { return "bench_floor" }

type floorWorker struct {
	river.WorkerDefaults[floorArgs]
	client *http.Client
}

func (w *floorWorker) Work(ctx context.Context, job *river.Job[floorArgs]) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, job.Args.URL, bytes.NewReader([]byte(`{"id":"in_123"}`)))
	if err != nil {
		return err
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

func benchBareRiver(b *testing.B, kind string) {
	b.StopTimer()
	ctx := context.Background()
	srv, got := countingSink(b)
	workers := river.NewWorkers()
	river.AddWorker(workers, &floorWorker{client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 100}}})
	// The runtime's defaults (durable.RuntimeOptions).
	cfg := &river.Config{
		FetchCooldown: 2 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond,
		Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 100}}, Workers: workers,
	}
	total := fanOutApps * endpointsPerApp * fanOutMessages
	params := make([]river.InsertManyParams, total)
	for i := range params {
		params[i] = river.InsertManyParams{Args: floorArgs{URL: fmt.Sprintf("%s/%d", srv.URL, i%(fanOutApps*endpointsPerApp))}}
	}
	var start func() error
	var stopClient func()
	if kind == "sqlite" {
		db, err := durable.OpenSQLite(filepath.Join(b.TempDir(), "floor.db"))
		require.NoError(b, err)
		b.Cleanup(func() { db.Close() })
		require.NoError(b, durable.Migrate(ctx, durable.SQLite(db)))
		c, err := river.NewClient(riversqlite.New(db), cfg)
		require.NoError(b, err)
		insertFloor(b, params, func(p []river.InsertManyParams) error { _, err := c.InsertMany(ctx, p); return err })
		start, stopClient = func() error { return c.Start(ctx) }, func() { _ = c.Stop(ctx) }
	} else {
		pool := epPostgresPool(b)
		require.NoError(b, durable.Migrate(ctx, durable.Postgres(pool)))
		c, err := river.NewClient(riverpgxv5.New(pool), cfg)
		require.NoError(b, err)
		insertFloor(b, params, func(p []river.InsertManyParams) error { _, err := c.InsertMany(ctx, p); return err })
		start, stopClient = func() error { return c.Start(ctx) }, func() { _ = c.Stop(ctx) }
	}
	b.StartTimer()
	t0 := time.Now()
	require.NoError(b, start())
	for got.Load() < int64(total) {
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(t0)
	b.StopTimer()
	stopClient()
	b.ReportMetric(float64(total)/elapsed.Seconds(), "deliveries/s")
}

func insertFloor(b *testing.B, params []river.InsertManyParams, insert func([]river.InsertManyParams) error) {
	for i := 0; i < len(params); i += 1000 {
		require.NoError(b, insert(params[i:min(i+1000, len(params))]))
	}
}
