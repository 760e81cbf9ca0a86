package webhookotel_test

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/signedhooks/webhook/webhookotel"
)

var (
	secret   = []byte("whsec_test_0123456789abcdef0123456789abcdef")
	loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
)

// telemetry is an SDK with in-memory exporters.
type telemetry struct {
	spans   *tracetest.SpanRecorder
	reader  *sdkmetric.ManualReader
	tracer  *sdktrace.TracerProvider
	options *webhookotel.Options
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

// histogramCounts returns a histogram's counts keyed as by counts.
func histogramCounts(t *testing.T, data metricdata.Aggregation) map[string]uint64 {
	t.Helper()
	h, ok := data.(metricdata.Histogram[float64])
	require.True(t, ok, "want a float64 histogram, got %T", data)
	out := map[string]uint64{}
	for _, dp := range h.DataPoints {
		out[setString(dp.Attributes)] += dp.Count
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

// noSleep is a Sender's Sleep that does not wait.
func noSleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// half is a Backoff's Rand that picks the middle of the jitter range, so
// the retry delay is not zero.
func half() float64 { return 0.5 }

func stringsReader(s string) io.Reader { return strings.NewReader(s) }
