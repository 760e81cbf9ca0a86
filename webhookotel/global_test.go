package webhookotel_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/webhookotel"
)

// TestGlobalProviderSetLater builds the middleware and the Sender on the
// global providers before an SDK is set, as a program that instruments
// its packages before configuring OpenTelemetry does: once the SDK is set,
// their spans record, although they skipped starting any before.
//
// It sets the process's global tracer provider, which cannot be undone,
// so it is the only test here that does, and is not parallel.
func TestGlobalProviderSetLater(t *testing.T) {
	verifier, err := webhook.NewVerifier(secret, nil)
	require.NoError(t, err)
	store, err := webhook.NewMemoryStore(nil)
	require.NoError(t, err)
	seen := make(chan trace.SpanContext, 4)
	srv := httptest.NewServer(webhookotel.Middleware(verifier, &webhook.MiddlewareOptions{Store: store}, nil)(
		http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { seen <- trace.SpanContextFromContext(r.Context()) })))
	t.Cleanup(srv.Close)
	s, err := webhookotel.NewSender(&webhook.SenderOptions{Secret: secret}, nil)
	require.NoError(t, err)
	t.Cleanup(s.CloseIdleConnections)

	_, err = s.Send(context.Background(), srv.URL, webhook.Message{ID: "msg_before", Type: "t", Data: 1})
	require.NoError(t, err)
	assert.False(t, (<-seen).IsValid(), "no SDK: no trace")

	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	t.Cleanup(func() { require.NoError(t, tp.Shutdown(context.Background())) })
	otel.SetTracerProvider(tp)

	_, err = s.Send(context.Background(), srv.URL, webhook.Message{ID: "msg_after", Type: "t", Data: 1})
	require.NoError(t, err)
	got := <-seen
	require.True(t, got.IsValid(), "the SDK is used once set")
	var kinds []trace.SpanKind
	for _, sp := range spans.Ended() {
		if sp.SpanContext().TraceID() == got.TraceID() {
			kinds = append(kinds, sp.SpanKind())
		}
	}
	assert.ElementsMatch(t, []trace.SpanKind{trace.SpanKindClient, trace.SpanKindServer}, kinds,
		"the attempt's span and the consumer's, in one trace")
}
