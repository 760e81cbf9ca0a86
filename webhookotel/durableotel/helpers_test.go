package durableotel_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
	"github.com/signedhooks/webhook/webhookotel"
	"github.com/signedhooks/webhook/webhookotel/durableotel"
)

var secret = []byte("whsec_test_0123456789abcdef0123456789abcdef")

// telemetry is an SDK with in-memory exporters, and the Telemetry over it.
type telemetry struct {
	spans   *tracetest.SpanRecorder
	reader  *sdkmetric.ManualReader
	tracer  *sdktrace.TracerProvider
	options *webhookotel.Options
	durable *durableotel.Telemetry
}

func newTelemetry(t *testing.T) *telemetry {
	t.Helper()
	tel := &telemetry{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	tel.tracer = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tel.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(tel.reader))
	t.Cleanup(func() {
		require.NoError(t, tel.tracer.Shutdown(context.Background()))
		require.NoError(t, mp.Shutdown(context.Background()))
	})
	tel.options = &webhookotel.Options{TracerProvider: tel.tracer, MeterProvider: mp}
	tel.durable = durableotel.New(tel.options)
	return tel
}

// metrics collects the metrics by name.
func (tel *telemetry) metrics(t *testing.T) map[string]metricdata.Aggregation {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, tel.reader.Collect(context.Background(), &rm))
	out := map[string]metricdata.Aggregation{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			out[m.Name] = m.Data
		}
	}
	return out
}

// counts returns a counter's values keyed by the attribute set, written as
// "k=v,k=v".
func counts(t *testing.T, data metricdata.Aggregation) map[string]int64 {
	t.Helper()
	sum, ok := data.(metricdata.Sum[int64])
	require.True(t, ok, "want an int64 sum, got %T", data)
	out := map[string]int64{}
	for _, dp := range sum.DataPoints {
		out[setString(dp.Attributes)] += dp.Value
	}
	return out
}

// gauge returns an int64 gauge's values keyed as by counts.
func gauge(t *testing.T, data metricdata.Aggregation) map[string]int64 {
	t.Helper()
	g, ok := data.(metricdata.Gauge[int64])
	require.True(t, ok, "want an int64 gauge, got %T", data)
	out := map[string]int64{}
	for _, dp := range g.DataPoints {
		out[setString(dp.Attributes)] = dp.Value
	}
	return out
}

func setString(s attribute.Set) string {
	var parts []string
	for _, kv := range s.ToSlice() {
		parts = append(parts, string(kv.Key)+"="+kv.Value.Emit())
	}
	return strings.Join(parts, ",")
}

// attrs returns a span's attributes by key.
func attrs(s sdktrace.ReadOnlySpan) map[string]attribute.Value {
	out := map[string]attribute.Value{}
	for _, kv := range s.Attributes() {
		out[string(kv.Key)] = kv.Value
	}
	return out
}

// everything is every text a span or metric carries, for checks that a
// secret or payload is in none of them.
func (tel *telemetry) everything(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, s := range tel.spans.Ended() {
		fmt.Fprintf(&b, "%s %v %v\n", s.Name(), s.Status(), s.Attributes())
		for _, e := range s.Events() {
			fmt.Fprintf(&b, "%s %v\n", e.Name, e.Attributes)
		}
		for _, l := range s.Links() {
			fmt.Fprintf(&b, "%v\n", l.Attributes)
		}
	}
	var rm metricdata.ResourceMetrics
	require.NoError(t, tel.reader.Collect(context.Background(), &rm))
	fmt.Fprintf(&b, "%+v\n", rm)
	return b.String()
}

// tree indexes ended spans by id, and finds them by name.
type tree map[trace.SpanID]sdktrace.ReadOnlySpan

func (tel *telemetry) tree() tree {
	out := tree{}
	for _, s := range tel.spans.Ended() {
		out[s.SpanContext().SpanID()] = s
	}
	return out
}

// named returns the spans called name, oldest first.
func (tr tree) named(name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range tr {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].StartTime().Before(out[j-1].StartTime()); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// children returns the spans whose parent is s, oldest first.
func (tr tree) children(s sdktrace.ReadOnlySpan, name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, c := range tr.named(name) {
		if c.Parent().SpanID() == s.SpanContext().SpanID() {
			out = append(out, c)
		}
	}
	return out
}

// sqliteDB opens a fresh, migrated SQLite database.
func sqliteDB(t *testing.T, name string) (*sql.DB, *durable.SQLiteBackend) {
	t.Helper()
	db, err := durable.OpenSQLite(filepath.Join(t.TempDir(), name+".db"))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	b := durable.SQLite(db)
	require.NoError(t, endpoints.Migrate(context.Background(), b))
	return db, b
}

// runtime returns a Runtime on b, polling quickly, instrumented with tel.
func (tel *telemetry) runtime(t *testing.T, b *durable.SQLiteBackend) *durable.Runtime[*sql.Tx] {
	t.Helper()
	o := &durable.RuntimeOptions{FetchPollInterval: 20 * time.Millisecond}
	tel.durable.Instrument(o)
	rt, err := durable.NewRuntime(b, o)
	require.NoError(t, err)
	return rt
}

// stop stops rt when the test ends.
func stopAtEnd(t *testing.T, rt *durable.Runtime[*sql.Tx]) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, rt.Stop(ctx))
	})
}

// fastRetry makes 3 attempts 20 ms apart.
var fastRetry = webhook.Backoff{InitialDelay: 20 * time.Millisecond, Multiplier: 1, MaxDelay: time.Minute, MaxAttempts: 3,
	Rand: func() float64 { return 0.99 }}
