package webhookotel_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/webhookotel"
)

// TestNoopProvidersCarryTheTrace checks that with the no-op providers,
// which the middleware and the Sender skip, a trace started elsewhere is
// still carried: the consumer's handler continues the request's
// traceparent, and the Sender sends the caller's span context, as they
// would with spans that record nothing.
func TestNoopProvidersCarryTheTrace(t *testing.T) {
	t.Parallel()
	nop := &webhookotel.Options{TracerProvider: noop.NewTracerProvider(), MeterProvider: metricnoop.NewMeterProvider()}
	verifier, err := webhook.NewVerifier(secret, nil)
	require.NoError(t, err)
	store, err := webhook.NewMemoryStore(nil)
	require.NoError(t, err)
	seen := make(chan trace.SpanContext, 4)
	var outcomes int
	mw := webhookotel.Middleware(verifier, &webhook.MiddlewareOptions{Store: store,
		OnOutcome: func(context.Context, webhook.Outcome) { outcomes++ }}, nop)
	srv := httptest.NewServer(mw(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		seen <- trace.SpanContextFromContext(r.Context())
	})))
	t.Cleanup(srv.Close)
	var sent []string
	s, err := webhookotel.NewSender(&webhook.SenderOptions{Secret: secret,
		OnAttempt: func(a webhook.AttemptReport) { sent = append(sent, a.MessageID) },
		WrapTransport: func(rt http.RoundTripper) http.RoundTripper {
			return roundTripFunc(func(r *http.Request) (*http.Response, error) {
				sent = append(sent, r.Header.Get("Traceparent"))
				return rt.RoundTrip(r)
			})
		}}, nop)
	require.NoError(t, err)
	t.Cleanup(s.CloseIdleConnections)

	// Without a trace: nothing sent, nothing in the handler's context.
	_, err = s.Send(context.Background(), srv.URL, webhook.Message{ID: "msg_1", Type: "t", Data: 1})
	require.NoError(t, err)
	assert.False(t, (<-seen).IsValid())

	// Within a span of another provider (here a made-up remote one).
	parent := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2},
		TraceFlags: trace.FlagsSampled})
	ctx := trace.ContextWithSpanContext(context.Background(), parent)
	_, err = s.Send(ctx, srv.URL, webhook.Message{ID: "msg_2", Type: "t", Data: 1})
	require.NoError(t, err)
	var got trace.SpanContext
	select {
	case got = <-seen:
	case <-time.After(10 * time.Second):
		t.Fatal("no request")
	}
	assert.Equal(t, parent.TraceID(), got.TraceID(), "the handler continues the sender's trace")
	assert.Equal(t, parent.SpanID(), got.SpanID())
	assert.True(t, got.IsRemote())
	assert.Equal(t, []string{"", "msg_1", "00-01000000000000000000000000000000-0200000000000000-01", "msg_2"}, sent,
		"the caller's hooks run, and the traceparent is the caller's span")
	assert.Equal(t, 2, outcomes, "the caller's OnOutcome still runs")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
