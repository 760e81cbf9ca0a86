package webhookotel

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	metricnoop "go.opentelemetry.io/otel/metric/noop"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/signedhooks/webhook"
)

// BenchmarkOverhead measures only what the instrumentation adds on no-op
// providers, around handlers and transports that do nothing: the
// consumer's span and OnOutcome per request, and the Sender's transport
// and OnAttempt per attempt. On a loaded machine these small absolute
// costs are steadier than the difference of two whole-path benchmarks;
// compare them with BenchmarkMiddleware/impl=off and BenchmarkSender/impl=off.
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
	b.Run("sender", func(b *testing.B) {
		tel := NewSenderTelemetry(o)
		rt := tel.WrapTransport(nopTransport{})
		a := webhook.AttemptReport{MessageID: "msg_1", URL: "https://example.com/hook", Number: 1, StatusCode: 200, Class: webhook.ClassDelivered}
		r := httptest.NewRequest(http.MethodPost, "https://example.com/hook", nil)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := rt.RoundTrip(r); err != nil {
				b.Fatal(err)
			}
			tel.OnAttempt(a)
		}
	})
}

// authFunc is an Authenticator made of a function.
type authFunc func(*http.Request, []byte) (webhook.Authenticated, error)

func (f authFunc) Authenticate(r *http.Request, body []byte) (webhook.Authenticated, error) {
	return f(r, body)
}

// nopTransport answers every request 200 without doing anything.
type nopTransport struct{}

var nopResponse = &http.Response{StatusCode: http.StatusOK, Body: http.NoBody}

func (nopTransport) RoundTrip(*http.Request) (*http.Response, error) { return nopResponse, nil }
