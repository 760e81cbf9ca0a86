package endpoints_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
	"github.com/signedhooks/webhook/durable/internal/benchfloor"
)

// Fan-out size of BenchmarkEndpointsFanOut: apps × endpointsPerApp
// endpoints (1,000), each receiving fanOutMessages messages.
const (
	fanOutApps      = 50
	endpointsPerApp = 20
	fanOutMessages  = 20
)

// BenchmarkEndpointsFanOut drains 1,000 endpoints × 20 messages (20,000
// deliveries, published beforehand) through the endpoints' workers with
// the library's runtime defaults, next to the floor measured in the same
// run: bare River on the same backend, with as many workers, working as
// many jobs that each make one HTTP POST to the same kind of server. Run
// it with -benchtime=1x: each iteration is a whole drain. Both report the
// CPU a delivery cost this process (go-µs/op: workers, client and
// receiving server) and, with a local PostgreSQL, the database
// (pg-µs/op); see benchfloor.Report.
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
	sink := benchfloor.NewSink(b)
	payload := []byte(`{"id":"in_123","amount":4200,"currency":"eur"}`)
	for a := range fanOutApps {
		app := fmt.Sprintf("app%d", a)
		_, err := env.e.CreateApplication(ctx, app, "")
		require.NoError(b, err)
		for i := range endpointsPerApp {
			_, _, err := env.e.CreateEndpoint(ctx, app, endpoints.Input{URL: fmt.Sprintf("%s/%d/%d", sink.URL, a, i)})
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
	start, cpu := time.Now(), benchfloor.ReadCPU(kind == "postgres")
	require.NoError(b, env.e.Start(ctx))
	sink.WaitFor(total)
	elapsed := time.Since(start)
	benchfloor.Report(b, cpu, int(total))
	b.StopTimer()
	stop(b, env.e)
	b.ReportMetric(float64(total)/elapsed.Seconds(), "deliveries/s")
}

func benchBareRiver(b *testing.B, kind string) {
	b.StopTimer()
	total, paths := fanOutApps*endpointsPerApp*fanOutMessages, fanOutApps*endpointsPerApp
	var rate float64
	if kind == "sqlite" {
		db, err := durable.OpenSQLite(filepath.Join(b.TempDir(), "floor.db"))
		require.NoError(b, err)
		b.Cleanup(func() { db.Close() })
		require.NoError(b, durable.Migrate(context.Background(), durable.SQLite(db)))
		rate = benchfloor.Drain(b, riversqlite.New(db), total, paths, 100)
	} else {
		pool := epPostgresPool(b)
		require.NoError(b, durable.Migrate(context.Background(), durable.Postgres(pool)))
		rate = benchfloor.Drain(b, riverpgxv5.New(pool), total, paths, 100)
	}
	b.ReportMetric(rate, "deliveries/s")
}
