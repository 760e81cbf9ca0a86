package webhookotel_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	metricnoop "go.opentelemetry.io/otel/metric/noop"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/internal/cputime"
	"github.com/signedhooks/webhook/webhookotel"
)

// noopOptions installs OpenTelemetry's no-op providers: the cost measured
// is the instrumentation's own, as in a program that has not set up an
// SDK.
var noopOptions = &webhookotel.Options{
	TracerProvider: tracenoop.NewTracerProvider(),
	MeterProvider:  metricnoop.NewMeterProvider(),
}

// discardWriter is a ResponseWriter that keeps nothing.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkMiddleware compares webhook.Middleware ("impl=off") with
// webhookotel.Middleware on no-op providers ("impl=noop") and on the
// global providers without an SDK ("impl=global"), for a 1 KiB message
// with a new id and signature per request.
func BenchmarkMiddleware(b *testing.B) {
	signer, err := webhook.NewSigner(secret, nil)
	if err != nil {
		b.Fatal(err)
	}
	verifier, err := webhook.NewVerifier(secret, &webhook.VerifierOptions{InsecureSkipTimestampCheck: true})
	if err != nil {
		b.Fatal(err)
	}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }) //nolint:errcheck
	body := bytes.Repeat([]byte("x"), 1<<10)
	copy(body, `{"event":"payment.succeeded","data":"`)
	body[len(body)-2], body[len(body)-1] = '"', '}'
	for _, bc := range []struct {
		name string
		mw   func(*webhook.MiddlewareOptions) func(http.Handler) http.Handler
	}{
		{"impl=off", func(o *webhook.MiddlewareOptions) func(http.Handler) http.Handler {
			return webhook.Middleware(verifier, o)
		}},
		{"impl=noop", func(o *webhook.MiddlewareOptions) func(http.Handler) http.Handler {
			return webhookotel.Middleware(verifier, o, noopOptions)
		}},
		// The global providers with no SDK set: their spans record
		// nothing, but they are not skipped, since an SDK may be set later.
		{"impl=global", func(o *webhook.MiddlewareOptions) func(http.Handler) http.Handler {
			return webhookotel.Middleware(verifier, o, nil)
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := bc.mw(&webhook.MiddlewareOptions{DoneTTL: 10 * time.Millisecond, ReplayWindow: 10 * time.Millisecond})(next)
			n := min(b.N, 1<<16)
			sigs, ids := make([]string, n), make([]string, n)
			for i := range sigs {
				sigs[i] = signer.Sign(time.Unix(1_000_000_000+int64(i), 0), body)
				ids[i] = "msg_" + strconv.Itoa(i)
			}
			req := httptest.NewRequest(http.MethodPost, "/webhook", nil)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set(webhook.SignatureHeader, "")
			req.Header.Set(webhook.IDHeader, "")
			sigSlot, idSlot := req.Header[webhook.SignatureHeader], req.Header[webhook.IDHeader]
			rd := bytes.NewReader(body)
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cputime.Process()
			defer reportCPU(b, cpu)
			for i := 0; i < b.N; i++ {
				sigSlot[0], idSlot[0] = sigs[i%n], ids[i%n]
				rd.Reset(body)
				req.Body = io.NopCloser(rd)
				req.ContentLength = int64(len(body))
				h.ServeHTTP(w, req)
			}
		})
	}
}

// okTransport answers every request 200 with an empty body, in memory, so
// that the Sender benchmark measures the Sender rather than the network.
type okTransport struct{}

func (okTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
}

// BenchmarkSender compares webhook.NewSender ("impl=off") with
// webhookotel.NewSender on no-op providers ("impl=noop"): one delivered attempt
// of a small message per op.
func BenchmarkSender(b *testing.B) {
	msg := webhook.Message{ID: "msg_bench", Type: "payment.succeeded", Data: []byte(`{"amount":100}`)}
	for _, bc := range []struct {
		name string
		new  func(*webhook.SenderOptions) (*webhook.Sender, error)
	}{
		{"impl=off", webhook.NewSender},
		{"impl=noop", func(o *webhook.SenderOptions) (*webhook.Sender, error) { return webhookotel.NewSender(o, noopOptions) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s, err := bc.new(&webhook.SenderOptions{Secret: secret, Client: &http.Client{Transport: okTransport{}}})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cputime.Process()
			defer reportCPU(b, cpu)
			for i := 0; i < b.N; i++ {
				if _, err := s.Send(ctx, "https://example.com/hook", msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// reportCPU reports the process's CPU time per op since start: on a shared
// machine a steadier measure than wall time.
func reportCPU(b *testing.B, start time.Duration) {
	b.StopTimer()
	b.ReportMetric(float64(cputime.Process()-start)/float64(b.N), "cpu-ns/op")
}
