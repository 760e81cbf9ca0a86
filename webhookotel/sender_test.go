package webhookotel_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
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

// TestSenderConcurrentSpans sends many messages at once, each failing
// once: every attempt's span ends, with its own attempt's class, and the
// metrics count every attempt.
func TestSenderConcurrentSpans(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(webhook.IDHeader)
		mu.Lock()
		seen[id]++
		first := seen[id] == 1
		mu.Unlock()
		if first {
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}))
	t.Cleanup(srv.Close)
	tel := newTelemetry(t)
	s, err := webhookotel.NewSender(&webhook.SenderOptions{
		Secret: secret, Retry: webhook.Backoff{Rand: half}, Sleep: noSleep,
	}, tel.options)
	require.NoError(t, err)
	t.Cleanup(s.CloseIdleConnections)
	const messages = 20
	var wg sync.WaitGroup
	for i := range messages {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Send(context.Background(), srv.URL, webhook.Message{ID: "msg_" + strconv.Itoa(i), Type: "t", Data: i})
			assert.NoError(t, err)
		}()
	}
	wg.Wait()

	spans := tel.spans.Ended()
	require.Len(t, spans, 2*messages, "every attempt's span ended")
	byMessage := map[string][]string{}
	for _, sp := range spans {
		a := attrs(sp)
		id := a["webhook.message.id"].AsString()
		want := map[int64]string{1: "retry", 2: "delivered"}[a["webhook.attempt"].AsInt64()]
		assert.Equal(t, want, a["webhook.attempt.class"].AsString(), "span of %s attempt %d", id, a["webhook.attempt"].AsInt64())
		wantStatus := map[string]int64{"retry": 429, "delivered": 200}[want]
		assert.Equal(t, wantStatus, a["http.response.status_code"].AsInt64())
		byMessage[id] = append(byMessage[id], want)
	}
	assert.Len(t, byMessage, messages)
	m := tel.metrics(t)
	assert.Equal(t, map[string]int64{
		"http.response.status_code=429,webhook.attempt.class=retry":     messages,
		"http.response.status_code=200,webhook.attempt.class=delivered": messages,
	}, counts(t, m["webhook.sender.attempts"]))
	h, ok := m["webhook.sender.attempt.duration"].(metricdata.Histogram[float64])
	require.True(t, ok)
	require.NotEmpty(t, h.DataPoints)
	assert.Equal(t, 0.005, h.DataPoints[0].Bounds[0], "second-based buckets, not the SDK's millisecond ones")
}
