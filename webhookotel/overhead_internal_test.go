package webhookotel

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/signedhooks/webhook"
)

// BenchmarkOverhead measures only what the consumer's instrumentation adds
// on no-op providers, around a handler that does nothing: the trace
// extraction (no span is started for them) and one outcome recorded, as
// the hook would if a provider were not the no-op one. On a loaded machine this small absolute cost is
// steadier than the difference of two whole-path benchmarks; compare it
// with BenchmarkMiddleware/impl=off. (A Sender's attempt carries its
// AttemptInfo only when a Sender makes it: BenchmarkSender measures that
// side.)
func BenchmarkOverhead(b *testing.B) {
	o := &Options{TracerProvider: tracenoop.NewTracerProvider(), MeterProvider: metricnoop.NewMeterProvider()}
	b.Run("consumer", func(b *testing.B) {
		var c *consumer
		h := Middleware(authFunc(nil), nil, o)(http.NotFoundHandler()).(*traced)
		c = h.c
		h.next = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c.outcome(r.Context(), webhook.Outcome{Kind: webhook.OutcomeProcessed, Status: 200, ID: "msg_1", Type: "t", Latency: time.Millisecond})
		})
		r := httptest.NewRequest(http.MethodPost, "/webhook", nil)
		w := httptest.NewRecorder()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			h.ServeHTTP(w, r)
		}
	})
}

// authFunc is an Authenticator made of a function.
type authFunc func(*http.Request, []byte) (webhook.Authenticated, error)

func (f authFunc) Authenticate(r *http.Request, body []byte) (webhook.Authenticated, error) {
	return f(r, body)
}

// TestIdleTracing checks which providers' spans are skipped: the no-op
// provider's always, an SDK's never, even when it is the global one.
func TestIdleTracing(t *testing.T) {
	t.Parallel()
	idle := idleTracing(tracenoop.NewTracerProvider(), false)
	if idle == nil || !idle() {
		t.Fatal("the no-op provider records nothing")
	}
	sdk := sdktrace.NewTracerProvider()
	defer sdk.Shutdown(context.Background()) //nolint:errcheck
	if idleTracing(sdk, true) != nil || idleTracing(sdk, false) != nil {
		t.Fatal("an SDK's spans may record")
	}
}
