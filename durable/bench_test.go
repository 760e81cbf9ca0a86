package durable_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
)

// benchDBs runs fn on SQLite and, with DATABASE_URL, PostgreSQL.
func benchDBs(b *testing.B, fn func(b *testing.B, db *testDB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, newSQLiteDB(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, newPostgresDB(b)) })
}

// waitCompleted waits until n jobs are completed.
func waitCompleted(b *testing.B, db *testDB, n int) {
	const q = `SELECT count(*) FROM river_job WHERE state = 'completed'`
	for {
		var done int
		if db.sqlite != nil {
			require.NoError(b, db.sqlite.QueryRow(q).Scan(&done))
		} else {
			require.NoError(b, db.pg.QueryRow(context.Background(), q).Scan(&done))
		}
		if done >= n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// BenchmarkOutboxEndToEnd measures enqueue → signed POST → 2xx → completed
// to a loopback endpoint, with 8 goroutines enqueueing one message each call.
// It reports deliveries per second and the latency from enqueue to the
// first request's arrival.
func BenchmarkOutboxEndToEnd(b *testing.B) {
	benchDBs(b, func(b *testing.B, db *testDB) {
		ctx := context.Background()
		var (
			mu      sync.Mutex
			sentAt  = make(map[string]time.Time, b.N)
			latency = make([]time.Duration, 0, b.N)
			got     atomic.Int64
		)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			now := time.Now()
			id := r.Header.Get(webhook.IDHeader)
			mu.Lock()
			if t0, ok := sentAt[id]; ok {
				latency = append(latency, now.Sub(t0))
				delete(sentAt, id)
			}
			mu.Unlock()
			got.Add(1)
			w.WriteHeader(http.StatusNoContent)
		}))
		defer srv.Close()
		o := db.newOutbox(b, nil, &durable.OutboxOptions{MaxWorkers: 100})
		require.NoError(b, o.Start(ctx))
		defer stop(b, o)
		payload := []byte(`{"event":"order.created","data":{"id":"ord_123","amount":4200}}`)

		b.ResetTimer()
		start := time.Now()
		var next atomic.Int64
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := next.Add(1)
					if i > int64(b.N) {
						return
					}
					id := "msg_" + strconv.FormatInt(i, 10)
					mu.Lock()
					sentAt[id] = time.Now()
					mu.Unlock()
					if _, err := o.Enqueue(ctx, srv.URL, durable.Message{ID: id, Payload: payload}); err != nil {
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
		elapsed := time.Since(start)
		b.StopTimer()
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "deliveries/s")
		reportLatency(b, latency)
	})
}

func reportLatency(b *testing.B, l []time.Duration) {
	if len(l) == 0 {
		return
	}
	slices.Sort(l)
	b.ReportMetric(float64(l[len(l)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(l[len(l)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkInboxEndToEnd measures POST (already verified) → stored → 202 →
// handler run → completed, with 8 concurrent senders over loopback HTTP.
func BenchmarkInboxEndToEnd(b *testing.B) {
	benchDBs(b, func(b *testing.B, db *testDB) {
		ctx := context.Background()
		var handled atomic.Int64
		in := db.newInbox(b, func(context.Context, webhook.Event) error {
			handled.Add(1)
			return nil
		}, &durable.InboxOptions{MaxWorkers: 100})
		srv := httptest.NewServer(in)
		defer srv.Close()
		require.NoError(b, in.Start(ctx))
		defer stop(b, in)
		payload := []byte(`{"event":"order.created","data":{"id":"ord_123","amount":4200}}`)
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}

		b.ResetTimer()
		start := time.Now()
		var next atomic.Int64
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := next.Add(1)
					if i > int64(b.N) {
						return
					}
					req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(payload))
					req.Header.Set(webhook.IDHeader, "evt_"+strconv.FormatInt(i, 10))
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					resp.Body.Close()
					if resp.StatusCode != http.StatusAccepted {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			}()
		}
		wg.Wait()
		for handled.Load() < int64(b.N) {
			time.Sleep(time.Millisecond)
		}
		waitCompleted(b, db, b.N)
		elapsed := time.Since(start)
		b.StopTimer()
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	})
}

// BenchmarkOutboxLatency enqueues at a steady 500 messages/s (below
// saturation) and reports the latency from the Enqueue call to the first
// request's arrival at the endpoint.
func BenchmarkOutboxLatency(b *testing.B) {
	benchDBs(b, func(b *testing.B, db *testDB) {
		ctx := context.Background()
		var (
			mu      sync.Mutex
			sentAt  = make(map[string]time.Time, b.N)
			latency = make([]time.Duration, 0, b.N)
			got     atomic.Int64
		)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			now := time.Now()
			id := r.Header.Get(webhook.IDHeader)
			mu.Lock()
			if t0, ok := sentAt[id]; ok {
				latency = append(latency, now.Sub(t0))
				delete(sentAt, id)
			}
			mu.Unlock()
			got.Add(1)
			w.WriteHeader(http.StatusNoContent)
		}))
		defer srv.Close()
		o := db.newOutbox(b, nil, nil)
		require.NoError(b, o.Start(ctx))
		defer stop(b, o)
		payload := []byte(`{"event":"order.created"}`)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		b.ResetTimer()
		for i := range b.N {
			<-tick.C
			id := "msg_" + strconv.Itoa(i)
			mu.Lock()
			sentAt[id] = time.Now()
			mu.Unlock()
			go func() {
				if _, err := o.Enqueue(ctx, srv.URL, durable.Message{ID: id, Payload: payload}); err != nil {
					b.Error(err)
				}
			}()
		}
		for got.Load() < int64(b.N) {
			time.Sleep(time.Millisecond)
		}
		b.StopTimer()
		mu.Lock()
		reportLatency(b, latency)
		mu.Unlock()
	})
}
