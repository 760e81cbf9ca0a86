package webhookotel_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/webhookotel"
)

// TestTraceFromSenderToConsumer sends one message with our Sender to our
// middleware, whose handler fails the first delivery: one trace holds the
// caller's span, both attempts' client spans and, as their children, the
// consumer's server spans, with the documented attributes; the counters add
// up to the attempts; nothing carries the secret, a signature or the
// payload.
func TestTraceFromSenderToConsumer(t *testing.T) {
	t.Parallel()
	tel := newTelemetry(t)
	const payloadMarker = "card-4242-4242-payload-marker"

	verifier, err := webhook.NewVerifier(secret, nil)
	require.NoError(t, err)
	store, err := webhook.NewMemoryStore(nil)
	require.NoError(t, err)
	var calls atomic.Int32
	var handlerSpans []trace.SpanContext
	var mu sync.Mutex
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		handlerSpans = append(handlerSpans, trace.SpanContextFromContext(r.Context()))
		mu.Unlock()
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	var outcomes []webhook.OutcomeKind
	mw := webhookotel.Middleware(verifier, &webhook.MiddlewareOptions{
		Store: store,
		OnOutcome: func(_ context.Context, o webhook.Outcome) {
			mu.Lock()
			outcomes = append(outcomes, o.Kind)
			mu.Unlock()
		},
	}, tel.options)
	var signatures []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		for name, v := range r.Header {
			if name != "Traceparent" && name != "Content-Type" && name != "User-Agent" &&
				name != "Content-Length" && name != "Accept-Encoding" {
				signatures = append(signatures, v...)
			}
		}
		mu.Unlock()
		mw(handler).ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)

	var reports []webhook.AttemptReport
	sender, err := webhookotel.NewSender(&webhook.SenderOptions{
		Secret:               secret,
		Retry:                webhook.Backoff{Rand: half},
		Sleep:                noSleep,
		BlockPrivateNetworks: true,
		AllowNetworks:        loopback,
		OnAttempt:            func(a webhook.AttemptReport) { reports = append(reports, a) },
	}, tel.options)
	require.NoError(t, err)
	t.Cleanup(sender.CloseIdleConnections)

	ctx, root := tel.tracer.Tracer("test").Start(context.Background(), "enqueue")
	rep, err := sender.Send(ctx, srv.URL+"/hooks/path-secret-token?token=url-secret-token", webhook.Message{
		ID: "msg_trace", Type: "invoice.paid", Data: map[string]string{"card": payloadMarker},
	})
	root.End()
	require.NoError(t, err)
	require.Len(t, rep.Attempts, 2)
	require.Len(t, reports, 2, "the Sender's own OnAttempt is still called")
	assert.Equal(t, []webhook.OutcomeKind{webhook.OutcomeFailed, webhook.OutcomeProcessed}, outcomes,
		"the middleware's own OnOutcome is still called")

	var clients, servers []sdktrace.ReadOnlySpan
	for _, s := range tel.spans.Ended() {
		assert.Equal(t, root.SpanContext().TraceID(), s.SpanContext().TraceID(), "span %q is in the trace", s.Name())
		switch s.SpanKind() {
		case trace.SpanKindClient:
			clients = append(clients, s)
		case trace.SpanKindServer:
			servers = append(servers, s)
		}
	}
	require.Len(t, clients, 2, "a client span per attempt")
	require.Len(t, servers, 2, "a server span per delivery received")

	// The client spans, in attempt order.
	if attrs(clients[0])["webhook.attempt"].AsInt64() == 2 {
		clients[0], clients[1] = clients[1], clients[0]
	}
	for i, c := range clients {
		assert.Equal(t, root.SpanContext().SpanID(), c.Parent().SpanID(), "attempt %d is a child of the caller's span", i+1)
		assert.Equal(t, "POST", c.Name())
		a := attrs(c)
		assert.Equal(t, int64(i+1), a["webhook.attempt"].AsInt64())
		assert.Equal(t, "msg_trace", a["webhook.message.id"].AsString())
		assert.Equal(t, "invoice.paid", a["webhook.event.type"].AsString())
		assert.Equal(t, "POST", a["http.request.method"].AsString())
		assert.Equal(t, "http", a["url.scheme"].AsString())
		assert.NotContains(t, a, "url.full", "the path may be a credential")
		assert.Equal(t, "127.0.0.1", a["server.address"].AsString())
	}
	first, second := attrs(clients[0]), attrs(clients[1])
	assert.Equal(t, int64(503), first["http.response.status_code"].AsInt64())
	assert.Equal(t, "503", first["error.type"].AsString())
	assert.Equal(t, "retry", first["webhook.attempt.class"].AsString())
	assert.True(t, first["webhook.retry"].AsBool())
	assert.InDelta(t, rep.Attempts[0].NextDelay.Seconds(), first["webhook.retry.delay"].AsFloat64(), 1e-9)
	assert.Positive(t, first["webhook.retry.delay"].AsFloat64())
	assert.Equal(t, codes.Error, clients[0].Status().Code)
	assert.Equal(t, int64(200), second["http.response.status_code"].AsInt64())
	assert.Equal(t, "delivered", second["webhook.attempt.class"].AsString())
	assert.False(t, second["webhook.retry"].AsBool())
	assert.NotContains(t, second, "webhook.retry.delay")
	assert.NotContains(t, second, "error.type")
	assert.Equal(t, codes.Unset, clients[1].Status().Code)

	// The server spans continue the attempts' spans.
	wantOutcome := map[trace.SpanID]string{
		clients[0].SpanContext().SpanID(): "failed",
		clients[1].SpanContext().SpanID(): "processed",
	}
	wantStatus := map[string]int64{"failed": 503, "processed": 200}
	for _, s := range servers {
		outcome, ok := wantOutcome[s.Parent().SpanID()]
		require.True(t, ok, "server span %q is a child of an attempt span", s.Name())
		assert.True(t, s.Parent().IsRemote())
		a := attrs(s)
		assert.Equal(t, outcome, a["webhook.outcome"].AsString())
		assert.Equal(t, wantStatus[outcome], a["http.response.status_code"].AsInt64())
		assert.Equal(t, "msg_trace", a["webhook.message.id"].AsString())
		assert.Equal(t, "invoice.paid", a["webhook.event.type"].AsString())
		assert.Equal(t, "webhook", a["webhook.scheme"].AsString())
		assert.Equal(t, "POST", a["http.request.method"].AsString())
		if outcome == "failed" {
			assert.Equal(t, codes.Error, s.Status().Code)
		}
	}
	// The handler runs inside the server span.
	mu.Lock()
	require.Len(t, handlerSpans, 2)
	for _, sc := range handlerSpans {
		found := false
		for _, s := range servers {
			found = found || s.SpanContext().SpanID() == sc.SpanID()
		}
		assert.True(t, found, "the handler's context holds the server span")
	}
	mu.Unlock()

	// Counters add up to the attempts made.
	m := tel.metrics(t)
	assert.Equal(t, map[string]int64{
		"http.response.status_code=503,webhook.attempt.class=retry":     1,
		"http.response.status_code=200,webhook.attempt.class=delivered": 1,
	}, counts(t, m["webhook.sender.attempts"]))
	assert.Equal(t, map[string]uint64{"webhook.attempt.class=retry": 1, "webhook.attempt.class=delivered": 1},
		histogramCounts(t, m["webhook.sender.attempt.duration"]))
	assert.Equal(t, map[string]int64{
		"webhook.outcome=failed,webhook.scheme=webhook":    1,
		"webhook.outcome=processed,webhook.scheme=webhook": 1,
	}, counts(t, m["webhook.consumer.deliveries"]))
	assert.Equal(t, map[string]uint64{
		"webhook.outcome=failed,webhook.scheme=webhook":    1,
		"webhook.outcome=processed,webhook.scheme=webhook": 1,
	}, histogramCounts(t, m["webhook.consumer.duration"]))

	// Nothing secret, signed or paid for.
	all := tel.everything(t)
	mu.Lock()
	require.NotEmpty(t, signatures)
	for _, sig := range signatures {
		if sig != "msg_trace" && len(sig) > 12 { // the id header is meant to be there
			assert.NotContains(t, all, sig)
		}
	}
	mu.Unlock()
	for _, s := range []string{string(secret), payloadMarker, "url-secret-token", "path-secret-token"} {
		assert.NotContains(t, all, s)
	}
}

// TestConsumerRejection records a rejected request's reason, without the
// error's text, and counts it.
func TestConsumerRejection(t *testing.T) {
	t.Parallel()
	verifier, err := webhook.NewVerifier(secret, nil)
	require.NoError(t, err)
	tests := []struct {
		name   string
		header http.Header
		reason string
	}{
		{"no signature", http.Header{}, "missing_signature"},
		{"malformed header", http.Header{
			"X-Webhook-Id": {"msg_1"}, "X-Webhook-Timestamp": {"nope"}, "X-Webhook-Signature": {"nope"},
		}, "invalid_header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tel := newTelemetry(t)
			mw := webhookotel.Middleware(verifier, nil, tel.options)
			h := mw(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("the handler ran") }))
			mux := http.NewServeMux()
			mux.Handle("POST /hooks/{source}", h)
			r := httptest.NewRequest(http.MethodPost, "/hooks/tok-in-path-123", io.NopCloser(stringsReader(`{"secret":"payload-marker"}`)))
			for k, v := range tc.header {
				r.Header[k] = v
			}
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, r)
			require.Len(t, tel.spans.Ended(), 1)
			s := tel.spans.Ended()[0]
			assert.Equal(t, "POST /hooks/{source}", s.Name())
			a := attrs(s)
			assert.Equal(t, "rejected", a["webhook.outcome"].AsString())
			assert.Equal(t, tc.reason, a["webhook.rejection.reason"].AsString())
			assert.Equal(t, tc.reason, a["error.type"].AsString())
			assert.Equal(t, "/hooks/{source}", a["http.route"].AsString())
			assert.Equal(t, int64(w.Code), a["http.response.status_code"].AsInt64())
			assert.Equal(t, map[string]int64{"webhook.outcome=rejected,webhook.scheme=webhook": 1},
				counts(t, tel.metrics(t)["webhook.consumer.deliveries"]))
			all := tel.everything(t)
			assert.NotContains(t, all, "payload-marker")
			assert.NotContains(t, all, "tok-in-path-123")
			assert.NotContains(t, all, "webhook: ", "no error text")
		})
	}
}
