package durable_test

import (
	"cmp"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/internal/benchfloor"
)

// BenchmarkOutboxEnqueue measures Enqueue alone (8 goroutines, no workers).
func BenchmarkOutboxEnqueue(b *testing.B) {
	benchDBs(b, func(b *testing.B, db *testDB) {
		o := db.newOutbox(b, nil, nil)
		payload := []byte(`{"event":"order.created","data":{"id":"ord_123","amount":4200}}`)
		var next atomic.Int64
		var wg sync.WaitGroup
		b.ResetTimer()
		start := time.Now()
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := next.Add(1)
					if i > int64(b.N) {
						return
					}
					if _, err := o.Enqueue(context.Background(), "http://127.0.0.1:1/", durable.Message{ID: "msg_" + strconv.FormatInt(i, 10), Payload: payload}); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "enqueues/s")
	})
}

// BenchmarkOutboxDrain measures delivery alone: b.N messages enqueued in
// one transaction beforehand, then the time to deliver and complete them,
// next to the floor measured in the same run (internal/benchfloor: bare
// River on a fresh database of the same backend, as many workers, one POST
// per job). Run it with -benchtime=Nx: each iteration is one delivery.
// Both report the CPU per delivery (go-µs/op and, with a local
// PostgreSQL, pg-µs/op; see benchfloor.Report).
func BenchmarkOutboxDrain(b *testing.B) {
	w, _ := strconv.Atoi(os.Getenv("BENCH_WORKERS"))
	for _, kind := range []string{"sqlite", "postgres"} {
		newDB := newSQLiteDB
		if kind == "postgres" {
			newDB = newPostgresDB
		}
		b.Run(kind+"/outbox", func(b *testing.B) {
			db := newDB(b)
			sink := benchfloor.NewSink(b)
			enqueueAll(b, db, sink.URL, b.N)
			o := db.newOutbox(b, nil, &durable.OutboxOptions{MaxWorkers: w})
			b.ResetTimer()
			start, cpu := time.Now(), benchfloor.ReadCPU(db.pg != nil)
			require.NoError(b, o.Start(context.Background()))
			defer stop(b, o)
			sink.WaitFor(int64(b.N))
			waitCompleted(b, db, b.N)
			benchfloor.Report(b, cpu, b.N)
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "deliveries/s")
		})
		b.Run(kind+"/bare-river", func(b *testing.B) {
			db := newDB(b)
			var rate float64
			if db.sqlite != nil {
				rate = benchfloor.Drain(b, riversqlite.New(db.sqlite), b.N, 1, cmp.Or(w, 100))
			} else {
				rate = benchfloor.Drain(b, riverpgxv5.New(db.pg), b.N, 1, cmp.Or(w, 100))
			}
			b.ReportMetric(rate, "deliveries/s")
		})
	}
}

// BenchmarkOutboxEndToEndBatch is BenchmarkOutboxEndToEnd with enqueues in
// batches of 50 (EnqueueMany), as a fan-out or bulk send does.
func BenchmarkOutboxEndToEndBatch(b *testing.B) {
	benchDBs(b, func(b *testing.B, db *testDB) {
		ctx := context.Background()
		var got atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got.Add(1)
			w.WriteHeader(http.StatusNoContent)
		}))
		defer srv.Close()
		o := db.newOutbox(b, nil, nil)
		many := o.(interface {
			EnqueueMany(context.Context, []durable.Envelope) ([]durable.Delivery, error)
		})
		require.NoError(b, o.Start(ctx))
		defer stop(b, o)
		payload := []byte(`{"event":"order.created","data":{"id":"ord_123","amount":4200}}`)
		const batch = 50
		b.ResetTimer()
		start := time.Now()
		var next atomic.Int64
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					end := next.Add(batch)
					first := end - batch + 1
					if first > int64(b.N) {
						return
					}
					envs := make([]durable.Envelope, 0, batch)
					for i := first; i <= min(end, int64(b.N)); i++ {
						envs = append(envs, durable.Envelope{URL: srv.URL, Message: durable.Message{ID: "msg_" + strconv.FormatInt(i, 10), Payload: payload}})
					}
					if _, err := many.EnqueueMany(ctx, envs); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		for got.Load() < int64(b.N) {
			time.Sleep(time.Millisecond)
		}
		waitCompleted(b, db, b.N)
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "deliveries/s")
	})
}
