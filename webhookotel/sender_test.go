package webhookotel_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/webhookotel"
)

// TestSenderGuardWithTracing checks that the tracing transport does not
// open a way around BlockPrivateNetworks: loopback is still refused, and
// the span says why without the address.
func TestSenderGuardWithTracing(t *testing.T) {
	t.Parallel()
	var hits int
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits++ }))
	t.Cleanup(srv.Close)
	tel := newTelemetry(t)
	s, err := webhookotel.NewSender(&webhook.SenderOptions{Secret: secret, BlockPrivateNetworks: true}, tel.options)
	require.NoError(t, err)
	rep, err := s.Send(context.Background(), srv.URL+"/hook", webhook.Message{ID: "msg_g", Type: "t", Data: 1})
	require.ErrorIs(t, err, webhook.ErrBlockedAddress)
	assert.Equal(t, webhook.PermanentFailure, rep.Outcome)
	assert.Zero(t, hits, "the request never reached the server")

	spans := tel.spans.Ended()
	require.Len(t, spans, 1)
	a := attrs(spans[0])
	assert.Equal(t, "blocked_address", a["error.type"].AsString())
	assert.Equal(t, "permanent", a["webhook.attempt.class"].AsString())
	assert.Equal(t, codes.Error, spans[0].Status().Code)
	assert.Equal(t, map[string]int64{"webhook.attempt.class=permanent": 1},
		counts(t, tel.metrics(t)["webhook.sender.attempts"]))
}

// TestSenderAttempt covers Sender.Attempt, which reports to no hook: its
// span ends when the response body is closed, with the class, and carries
// the traceparent.
func TestSenderAttempt(t *testing.T) {
	t.Parallel()
	var traceparent string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		traceparent = r.Header.Get("Traceparent")
		w.WriteHeader(http.StatusGone)
	}))
	t.Cleanup(srv.Close)
	tel := newTelemetry(t)
	s, err := webhookotel.NewSender(&webhook.SenderOptions{Secret: secret}, tel.options)
	require.NoError(t, err)
	a, err := s.Attempt(context.Background(), srv.URL, webhook.Message{ID: "msg_a", Type: "t", Data: 1},
		webhook.AttemptOptions{Number: 4})
	require.ErrorIs(t, err, webhook.ErrGone)
	assert.Equal(t, webhook.ClassGone, a.Class)

	spans := tel.spans.Ended()
	require.Len(t, spans, 1, "the span ended without OnAttempt")
	sc := spans[0].SpanContext()
	assert.Equal(t, "00-"+sc.TraceID().String()+"-"+sc.SpanID().String()+"-01", traceparent)
	at := attrs(spans[0])
	assert.Equal(t, int64(4), at["webhook.attempt"].AsInt64())
	assert.Equal(t, "gone", at["webhook.attempt.class"].AsString())
	assert.Equal(t, int64(410), at["http.response.status_code"].AsInt64())
	assert.NotContains(t, at, "webhook.retry", "Attempt decides no retry")
	assert.NotContains(t, tel.metrics(t), "webhook.sender.attempts", "Attempt reports to no hook")
}

// TestSenderNoopProvider checks that a no-op provider sends no trace
// headers and still chains the caller's hooks.
func TestSenderNoopProvider(t *testing.T) {
	t.Parallel()
	var traceparent []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		traceparent = r.Header.Values("Traceparent")
	}))
	t.Cleanup(srv.Close)
	var wrapped, reported int
	s, err := webhookotel.NewSender(&webhook.SenderOptions{
		Secret: secret,
		WrapTransport: func(rt http.RoundTripper) http.RoundTripper {
			wrapped++
			return rt
		},
		OnAttempt: func(webhook.AttemptReport) { reported++ },
	}, &webhookotel.Options{TracerProvider: noop.NewTracerProvider()})
	require.NoError(t, err)
	_, err = s.Send(context.Background(), srv.URL, webhook.Message{ID: "msg_n", Type: "t", Data: 1})
	require.NoError(t, err)
	assert.Empty(t, traceparent)
	assert.Equal(t, 1, wrapped)
	assert.Equal(t, 1, reported)
}
