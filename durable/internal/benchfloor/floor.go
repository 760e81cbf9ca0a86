// Package benchfloor is the floor the durable benchmarks measure
// themselves against, in the same run: bare River on the same backend,
// with as many workers, working jobs that each make one HTTP POST to a
// loopback server that answers 204. Nothing of this module runs in it but
// its schema migration, so the gap to it is what the library costs.
package benchfloor

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// Sink is a loopback server that answers 204 and counts requests.
type Sink struct {
	*httptest.Server
	got atomic.Int64
}

// NewSink starts a Sink, closed when tb ends.
func NewSink(tb testing.TB) *Sink {
	s := &Sink{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		s.got.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	tb.Cleanup(s.Close)
	return s
}

// Got returns how many requests the sink has answered.
func (s *Sink) Got() int64 { return s.got.Load() }

// WaitFor waits until the sink has answered n requests.
func (s *Sink) WaitFor(n int64) {
	for s.Got() < n {
		time.Sleep(time.Millisecond)
	}
}

type args struct {
	URL string `json:"url"`
}

func (args) Kind() string { return "bench_floor" }

type worker struct {
	river.WorkerDefaults[args]
	client *http.Client
}

func (w *worker) Work(ctx context.Context, job *river.Job[args]) error {
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

// Drain inserts n jobs, the i-th posting to the sink's URL with path
// "/<i mod paths>", into a River client on driver with the durable
// runtime's default fetch settings and workers workers, then starts it and
// returns the rate from the start to the sink's n-th answer, in jobs per
// second. The timer is stopped outside the drain.
func Drain[TTx any](b *testing.B, driver riverdriver.Driver[TTx], n, paths, workers int) float64 {
	b.StopTimer()
	ctx := context.Background()
	sink := NewSink(b)
	ws := river.NewWorkers()
	river.AddWorker(ws, &worker{client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}})
	c, err := river.NewClient(driver, &river.Config{
		FetchCooldown: 2 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond,
		Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: workers}}, Workers: ws,
	})
	if err != nil {
		b.Fatal(err)
	}
	params := make([]river.InsertManyParams, 0, 1000)
	for i := range n {
		params = append(params, river.InsertManyParams{Args: args{URL: fmt.Sprintf("%s/%d", sink.URL, i%max(paths, 1))}})
		if len(params) == cap(params) || i == n-1 {
			if _, err := c.InsertMany(ctx, params); err != nil {
				b.Fatal(err)
			}
			params = params[:0]
		}
	}
	b.StartTimer()
	_, pg := any(driver).(*riverpgxv5.Driver)
	start, cpu := time.Now(), ReadCPU(pg)
	if err := c.Start(ctx); err != nil {
		b.Fatal(err)
	}
	sink.WaitFor(int64(n))
	elapsed := time.Since(start)
	Report(b, cpu, n)
	b.StopTimer()
	if err := c.Stop(ctx); err != nil {
		b.Fatal(err)
	}
	return float64(n) / elapsed.Seconds()
}
