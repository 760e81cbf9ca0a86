package durableotel_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/webhookotel"
	"github.com/signedhooks/webhook/webhookotel/durableotel"
)

// A provider's outbox, instrumented: the enqueue, the job's run and the
// delivery attempt are three spans of one trace.
func Example() {
	ctx := context.Background()
	spans := tracetest.NewSpanRecorder() // in a program: an exporter
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	defer tp.Shutdown(ctx)
	tel := durableotel.New(&webhookotel.Options{TracerProvider: tp})

	endpoint := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer endpoint.Close()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	db, err := durable.OpenSQLite(filepath.Join(dir, "app.db"))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	backend := durable.SQLite(db)
	if err := durable.Migrate(ctx, backend); err != nil {
		panic(err)
	}
	ro := &durable.RuntimeOptions{}
	tel.Instrument(ro)
	rt, _ := durable.NewRuntime(backend, ro)
	so := &webhook.SenderOptions{Secret: []byte("an example secret, 32 bytes long")}
	tel.InstrumentSender(so)
	outbox, _ := durable.NewOutbox(rt, so, nil)
	_ = rt.Start(ctx)
	defer rt.Stop(ctx)

	if _, err := outbox.Enqueue(ctx, endpoint.URL, durable.Message{ID: "msg_1", Type: "order.created", Data: 42}); err != nil {
		panic(err)
	}
	for len(spans.Ended()) < 3 {
		time.Sleep(10 * time.Millisecond)
	}
	var names []string
	for _, s := range spans.Ended() {
		names = append(names, s.SpanKind().String()+" "+s.Name())
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Println(n)
	}
	// Output:
	// client POST
	// consumer process webhook_outbox
	// producer send webhook_outbox
}

// The queues' depth and lag as gauges, read when the meter provider's
// reader collects (a Prometheus scrape, a periodic export).
func ExampleTelemetry_ObserveQueues() {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader() // in a program: an exporter's reader
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(ctx)
	tel := durableotel.New(&webhookotel.Options{MeterProvider: mp})

	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	db, err := durable.OpenSQLite(filepath.Join(dir, "app.db"))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	backend := durable.SQLite(db)
	if err := durable.Migrate(ctx, backend); err != nil {
		panic(err)
	}
	rt, _ := durable.NewRuntime(backend, nil)
	outbox, _ := durable.NewOutbox(rt, &webhook.SenderOptions{Secret: []byte("an example secret, 32 bytes long")}, nil)
	reg, err := tel.ObserveQueues(rt.QueueStats)
	if err != nil {
		panic(err)
	}
	defer reg.Unregister()
	if _, err := outbox.Enqueue(ctx, "https://example.com/hooks", durable.Message{Data: 42}); err != nil {
		panic(err)
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		panic(err)
	}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if g, ok := m.Data.(metricdata.Gauge[int64]); ok && m.Name == "webhook.queue.jobs" {
			for _, dp := range g.DataPoints {
				queue, _ := dp.Attributes.Value("messaging.destination.name")
				state, _ := dp.Attributes.Value("webhook.job.state")
				if dp.Value > 0 {
					fmt.Println(m.Name, queue.AsString(), state.AsString(), dp.Value)
				}
			}
		}
	}
	// Output: webhook.queue.jobs webhook_outbox available 1
}
