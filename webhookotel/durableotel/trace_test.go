package durableotel_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
	"github.com/signedhooks/webhook/webhookotel"
)

const payloadMarker = "card-4242-4242-payload-marker"

// consumer is a consumer process: webhookotel's middleware in front of a
// durable Inbox (on a database of its own), whose handler starts a span.
// Its first request is answered 503 before the inbox, so that the provider
// retries.
type consumer struct {
	*httptest.Server
	inbox      *durable.Inbox[*sql.Tx]
	mu         sync.Mutex
	headers    []string // every header value received but the trace's
	handled    atomic.Int32
	handlerCtx chan trace.SpanContext
}

func newConsumer(t *testing.T, tel *telemetry, key []byte) *consumer {
	t.Helper()
	c := &consumer{handlerCtx: make(chan trace.SpanContext, 4)}
	_, b := sqliteDB(t, "consumer")
	rt := tel.runtime(t, b)
	var err error
	c.inbox, err = durable.NewInbox(rt, func(ctx context.Context, ev webhook.Event) error {
		_, span := tel.tracer.Tracer("app").Start(ctx, "handle "+ev.Type)
		defer span.End()
		c.handled.Add(1)
		c.handlerCtx <- span.SpanContext()
		return nil
	}, nil)
	require.NoError(t, err)
	require.NoError(t, rt.Start(context.Background()))
	stopAtEnd(t, rt)

	verifier, err := webhook.NewVerifier(key, nil)
	require.NoError(t, err)
	store, err := webhook.NewMemoryStore(nil)
	require.NoError(t, err)
	var calls atomic.Int32
	mw := webhookotel.Middleware(verifier, &webhook.MiddlewareOptions{Store: store}, tel.options)
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		c.inbox.ServeHTTP(w, r)
	}))
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		for name, v := range r.Header {
			if name != "Traceparent" {
				c.headers = append(c.headers, v...)
			}
		}
		c.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(c.Close)
	return c
}

// TestTraceOutboxToInbox enqueues one message in an instrumented Outbox,
// whose consumer fails the first attempt and stores the second in its
// Inbox: one trace runs from the caller's span through the enqueue, both
// runs and their attempts, the consumer's server spans, the inbox's
// enqueue and run, to the handler's span; the counters add up to the
// attempts; no span or metric carries the secret, a header's value or the
// payload.
func TestTraceOutboxToInbox(t *testing.T) {
	t.Parallel()
	tel := newTelemetry(t)
	cons := newConsumer(t, tel, secret)

	_, b := sqliteDB(t, "provider")
	rt := tel.runtime(t, b)
	so := &webhook.SenderOptions{Secret: secret, Retry: fastRetry}
	tel.durable.InstrumentSender(so)
	outbox, err := durable.NewOutbox(rt, so, nil)
	require.NoError(t, err)

	ctx, root := tel.tracer.Tracer("app").Start(context.Background(), "place order")
	d, err := outbox.Enqueue(ctx, cons.URL+"/hooks/path-secret-token?token=url-secret-token",
		durable.Message{ID: "msg_outbox", Type: "order.placed", Data: map[string]string{"card": payloadMarker}})
	root.End()
	require.NoError(t, err)
	require.NoError(t, rt.Start(context.Background()))
	stopAtEnd(t, rt)

	var handler trace.SpanContext
	select {
	case handler = <-cons.handlerCtx:
	case <-time.After(20 * time.Second):
		t.Fatal("the consumer's inbox never handled the message")
	}
	// Every span has ended once the outbox records its delivery and the
	// inbox its processing.
	require.Eventually(t, func() bool {
		it, err := outbox.Lookup(context.Background(), "msg_outbox")
		return err == nil && it.State == durable.StateDone && len(tel.spans.Ended()) >= 11
	}, 20*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool {
		it, err := cons.inbox.Lookup(context.Background(), "msg_outbox")
		return err == nil && it.State == durable.StateDone
	}, 20*time.Second, 10*time.Millisecond)

	tr := tel.tree()
	for _, s := range tr {
		assert.Equal(t, root.SpanContext().TraceID(), s.SpanContext().TraceID(), "span %q is in the caller's trace", s.Name())
	}
	caller := tr[root.SpanContext().SpanID()]
	require.NotNil(t, caller)

	// caller → send webhook_outbox
	sends := tr.children(caller, "send webhook_outbox")
	require.Len(t, sends, 1, "one producer span per enqueue")
	send := sends[0]
	assert.Equal(t, trace.SpanKindProducer, send.SpanKind())
	a := attrs(send)
	assert.Equal(t, "river", a["messaging.system"].AsString())
	assert.Equal(t, "webhook_outbox", a["messaging.destination.name"].AsString())
	assert.Equal(t, "send", a["messaging.operation.type"].AsString())

	// → process webhook_outbox, once per run
	runs := tr.children(send, "process webhook_outbox")
	require.Len(t, runs, 2, "a consumer span per run, children of the enqueue's")
	for i, r := range runs {
		assert.Equal(t, trace.SpanKindConsumer, r.SpanKind())
		a := attrs(r)
		assert.Equal(t, "webhook_outbox", a["messaging.destination.name"].AsString())
		assert.Equal(t, "process", a["messaging.operation.type"].AsString())
		assert.Equal(t, "msg_outbox", a["webhook.message.id"].AsString())
		assert.Equal(t, int64(i+1), a["webhook.attempt"].AsInt64())
		assert.Equal(t, d.JobID, mustAtoi(t, a["messaging.message.id"].AsString()))
	}
	assert.Equal(t, "retry", attrs(runs[0])["webhook.attempt.class"].AsString())
	assert.Equal(t, "retry", attrs(runs[0])["error.type"].AsString())
	assert.Equal(t, codes.Error, runs[0].Status().Code)
	assert.Equal(t, "delivered", attrs(runs[1])["webhook.attempt.class"].AsString())
	assert.NotContains(t, attrs(runs[1]), "error.type")
	assert.Equal(t, codes.Unset, runs[1].Status().Code)

	// → the attempt's client span → the consumer's server span
	var servers []sdktrace.ReadOnlySpan
	for i, r := range runs {
		clients := tr.children(r, "POST")
		require.Len(t, clients, 1, "run %d has one attempt span", i+1)
		c := clients[0]
		assert.Equal(t, trace.SpanKindClient, c.SpanKind())
		ca := attrs(c)
		assert.Equal(t, int64(i+1), ca["webhook.attempt"].AsInt64())
		assert.Equal(t, "msg_outbox", ca["webhook.message.id"].AsString())
		assert.Equal(t, "order.placed", ca["webhook.event.type"].AsString())
		ss := tr.children(c, "POST")
		require.Len(t, ss, 1, "the consumer's span continues attempt %d", i+1)
		assert.Equal(t, trace.SpanKindServer, ss[0].SpanKind())
		servers = append(servers, ss[0])
	}
	assert.Equal(t, int64(503), attrs(servers[0])["http.response.status_code"].AsInt64())
	assert.Equal(t, "failed", attrs(servers[0])["webhook.outcome"].AsString())
	assert.Equal(t, int64(202), attrs(servers[1])["http.response.status_code"].AsInt64())

	// → the inbox's enqueue → its run → the handler
	inboxSends := tr.children(servers[1], "send webhook_inbox")
	require.Len(t, inboxSends, 1, "the inbox's enqueue is under the request that stored the event")
	inboxRuns := tr.children(inboxSends[0], "process webhook_inbox")
	require.Len(t, inboxRuns, 1)
	assert.Equal(t, "processed", attrs(inboxRuns[0])["webhook.outcome"].AsString())
	assert.Equal(t, "msg_outbox", attrs(inboxRuns[0])["webhook.message.id"].AsString())
	require.Contains(t, tr, handler.SpanID())
	assert.Equal(t, inboxRuns[0].SpanContext().SpanID(), tr[handler.SpanID()].Parent().SpanID(),
		"the handler's span is a child of the inbox run's")
	assert.Len(t, tr, 11, "caller, send, 2×(process, client, server), inbox send, process, handler")

	// The counters add up to the attempts made.
	m := tel.metrics(t)
	assert.Equal(t, map[string]int64{
		"http.response.status_code=503,messaging.destination.name=webhook_outbox,webhook.attempt.class=retry":     1,
		"http.response.status_code=202,messaging.destination.name=webhook_outbox,webhook.attempt.class=delivered": 1,
	}, counts(t, m["webhook.durable.attempts"]))
	assert.Equal(t, map[string]int64{"webhook.outcome=processed": 1}, counts(t, m["webhook.inbox.runs"]))
	assert.Equal(t, int64(2), sum(counts(t, m["webhook.consumer.deliveries"])), "the consumer saw both attempts")

	// Nothing carries a secret, a header's value (signatures, ids signed
	// by the scheme) or the payload.
	all := tel.everything(t)
	for _, s := range []string{string(secret), payloadMarker, "path-secret-token", "url-secret-token"} {
		assert.NotContains(t, all, s)
	}
	cons.mu.Lock()
	defer cons.mu.Unlock()
	for _, v := range cons.headers {
		if v == "msg_outbox" || v == "application/json" || len(v) < 16 {
			continue // the id is an attribute on purpose; short values are numbers and names
		}
		assert.NotContains(t, all, v, "a header's value")
	}
}

// TestTracePublish publishes one message to one endpoint, whose consumer
// fails the first attempt: one trace from the caller's span through the
// publish, both runs and their attempts to the consumer's server spans.
func TestTracePublish(t *testing.T) {
	t.Parallel()
	tel := newTelemetry(t)

	_, b := sqliteDB(t, "provider")
	rt := tel.runtime(t, b)
	eo := &endpoints.Options{InsecureAllowPrivateNetworks: true, Retry: fastRetry}
	tel.durable.InstrumentEndpoints(eo)
	eps, err := endpoints.New(rt, eo)
	require.NoError(t, err)
	ctx := context.Background()
	_, err = eps.CreateApplication(ctx, "app_1", "Shop")
	require.NoError(t, err)

	// The consumer needs the endpoint's secret, which needs its URL: the
	// server starts first and learns its handler after.
	var handler atomic.Pointer[http.Handler]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*handler.Load()).ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	ep, whsec, err := eps.CreateEndpoint(ctx, "app_1", endpoints.Input{URL: srv.URL + "/in"})
	require.NoError(t, err)
	key, err := webhook.ParseSecret(whsec)
	require.NoError(t, err)
	verifier, err := webhook.NewVerifier(key, nil)
	require.NoError(t, err)
	store, err := webhook.NewMemoryStore(nil)
	require.NoError(t, err)
	var calls atomic.Int32
	var h http.Handler = webhookotel.Middleware(verifier, &webhook.MiddlewareOptions{Store: store}, tel.options)(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 1 {
				w.WriteHeader(http.StatusInternalServerError)
			}
		}))
	handler.Store(&h)

	pctx, root := tel.tracer.Tracer("app").Start(ctx, "publish order")
	res, err := eps.Publish(pctx, "app_1", "order.placed", []byte(`{"card":"`+payloadMarker+`"}`), "msg_publish")
	root.End()
	require.NoError(t, err)
	require.Equal(t, 1, res.Deliveries)
	require.NoError(t, rt.Start(ctx))
	stopAtEnd(t, rt)
	require.Eventually(t, func() bool {
		it, err := eps.Delivery(ctx, "app_1", ep.ID, "msg_publish")
		return err == nil && it.State == durable.StateDone && len(tel.spans.Ended()) >= 8
	}, 20*time.Second, 10*time.Millisecond)

	tr := tel.tree()
	for _, s := range tr {
		assert.Equal(t, root.SpanContext().TraceID(), s.SpanContext().TraceID(), "span %q is in the caller's trace", s.Name())
	}
	sends := tr.children(tr[root.SpanContext().SpanID()], "send webhook_endpoints")
	require.Len(t, sends, 1, "one producer span per Publish")
	runs := tr.children(sends[0], "process webhook_endpoints")
	require.Len(t, runs, 2)
	for i, r := range runs {
		a := attrs(r)
		assert.Equal(t, ep.ID, a["webhook.endpoint.id"].AsString())
		assert.Equal(t, "app_1", a["webhook.application.id"].AsString())
		assert.Equal(t, "msg_publish", a["webhook.message.id"].AsString())
		clients := tr.children(r, "POST")
		require.Len(t, clients, 1, "run %d has one attempt span", i+1)
		servers := tr.children(clients[0], "POST")
		require.Len(t, servers, 1, "the consumer's span continues attempt %d", i+1)
		assert.Equal(t, "order.placed", attrs(servers[0])["webhook.event.type"].AsString())
	}
	assert.Equal(t, "retry", attrs(runs[0])["webhook.attempt.class"].AsString())
	assert.Equal(t, "delivered", attrs(runs[1])["webhook.attempt.class"].AsString())
	assert.Len(t, tr, 8, "caller, send, 2×(process, client, server)")

	m := tel.metrics(t)
	assert.Equal(t, map[string]int64{
		"http.response.status_code=500,messaging.destination.name=webhook_endpoints,webhook.attempt.class=retry":     1,
		"http.response.status_code=200,messaging.destination.name=webhook_endpoints,webhook.attempt.class=delivered": 1,
	}, counts(t, m["webhook.durable.attempts"]))
	all := tel.everything(t)
	for _, s := range []string{whsec, payloadMarker, srv.URL} {
		assert.NotContains(t, all, s)
	}
}

// TestEndpointDisabled counts an endpoint disabled for failing and marks
// the run that disabled it, with the existing OnDisable still called.
func TestEndpointDisabled(t *testing.T) {
	t.Parallel()
	tel := newTelemetry(t)
	_, b := sqliteDB(t, "provider")
	rt := tel.runtime(t, b)
	var called atomic.Int32
	eo := &endpoints.Options{InsecureAllowPrivateNetworks: true, Retry: fastRetry, DisableAfter: time.Nanosecond,
		OnDisable: func(context.Context, endpoints.Endpoint) { called.Add(1) }}
	tel.durable.InstrumentEndpoints(eo)
	eps, err := endpoints.New(rt, eo)
	require.NoError(t, err)
	ctx := context.Background()
	_, err = eps.CreateApplication(ctx, "app_1", "Shop")
	require.NoError(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusBadGateway) }))
	t.Cleanup(srv.Close)
	ep, _, err := eps.CreateEndpoint(ctx, "app_1", endpoints.Input{URL: srv.URL + "/in"})
	require.NoError(t, err)
	_, err = eps.Publish(ctx, "app_1", "order.placed", []byte(`{}`), "msg_1")
	require.NoError(t, err)
	require.NoError(t, rt.Start(ctx))
	stopAtEnd(t, rt)
	require.Eventually(t, func() bool {
		it, err := eps.Delivery(ctx, "app_1", ep.ID, "msg_1")
		return err == nil && it.State == durable.StateCancelled && len(tel.tree().named("process webhook_endpoints")) == 2
	}, 20*time.Second, 10*time.Millisecond)

	assert.Equal(t, int32(1), called.Load())
	assert.Equal(t, map[string]int64{"webhook.endpoint.disabled_reason=failing": 1}, counts(t, tel.metrics(t)["webhook.endpoint.disabled"]))
	runs := tel.tree().named("process webhook_endpoints")
	require.Len(t, runs, 2)
	assert.Empty(t, runs[0].Events(), "the first failure starts the run of failures")
	require.Len(t, runs[1].Events(), 1, "the second disables the endpoint")
	e := runs[1].Events()[0]
	assert.Equal(t, "webhook.endpoint.disabled", e.Name)
	assert.Equal(t, "webhook.endpoint.disabled_reason=failing,webhook.endpoint.id="+ep.ID, setString(attribute.NewSet(e.Attributes...)))
}

// TestEndpointBreaker counts a breaker that opens and marks the run that
// opened it, with the existing OnBreaker still called.
func TestEndpointBreaker(t *testing.T) {
	t.Parallel()
	tel := newTelemetry(t)
	_, b := sqliteDB(t, "provider")
	rt := tel.runtime(t, b)
	var states []endpoints.BreakerState
	var mu sync.Mutex
	eo := &endpoints.Options{InsecureAllowPrivateNetworks: true, Retry: fastRetry, BreakerThreshold: 2,
		OnBreaker: func(_ context.Context, e endpoints.Endpoint) {
			mu.Lock()
			defer mu.Unlock()
			states = append(states, e.Breaker.State)
		}}
	tel.durable.InstrumentEndpoints(eo)
	eps, err := endpoints.New(rt, eo)
	require.NoError(t, err)
	ctx := context.Background()
	_, err = eps.CreateApplication(ctx, "app_1", "Shop")
	require.NoError(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusBadGateway) }))
	t.Cleanup(srv.Close)
	ep, _, err := eps.CreateEndpoint(ctx, "app_1", endpoints.Input{URL: srv.URL + "/in"})
	require.NoError(t, err)
	_, err = eps.Publish(ctx, "app_1", "order.placed", []byte(`{}`), "msg_1")
	require.NoError(t, err)
	require.NoError(t, rt.Start(ctx))
	stopAtEnd(t, rt)
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(states) > 0
	}, 20*time.Second, 10*time.Millisecond, "the second failure opens the breaker")

	mu.Lock()
	assert.Equal(t, []endpoints.BreakerState{endpoints.BreakerOpen}, states)
	mu.Unlock()
	assert.Equal(t, map[string]int64{"webhook.breaker.state=open": 1}, counts(t, tel.metrics(t)["webhook.endpoint.breaker"]))
	// The hook runs inside the run, whose span ends after it: wait for
	// the span that marks the opening to be recorded.
	want := []string{"webhook.endpoint.breaker webhook.breaker.state=open,webhook.endpoint.id=" + ep.ID}
	var marked []string
	require.Eventually(t, func() bool {
		marked = nil
		for _, run := range tel.tree().named("process webhook_endpoints") {
			for _, e := range run.Events() {
				marked = append(marked, e.Name+" "+setString(attribute.NewSet(e.Attributes...)))
			}
		}
		return len(marked) > 0
	}, 20*time.Second, 10*time.Millisecond, "the run that opened the breaker is recorded")
	assert.Equal(t, want, marked)
}

// TestObserveQueues reads the queues' figures at each collection.
func TestObserveQueues(t *testing.T) {
	t.Parallel()
	tel := newTelemetry(t)
	_, b := sqliteDB(t, "provider")
	rt := tel.runtime(t, b)
	outbox, err := durable.NewOutbox(rt, &webhook.SenderOptions{Secret: secret}, nil)
	require.NoError(t, err)
	reg, err := tel.durable.ObserveQueues(rt.QueueStats)
	require.NoError(t, err)
	for _, id := range []string{"a", "b", "c"} {
		_, err := outbox.Enqueue(context.Background(), "https://example.com/hook", durable.Message{ID: id, Payload: []byte(`{}`)})
		require.NoError(t, err)
	}

	m := tel.metrics(t)
	jobs := gauge(t, m["webhook.queue.jobs"])
	assert.Equal(t, int64(3), jobs["messaging.destination.name=webhook_outbox,webhook.job.state=available"])
	assert.Equal(t, int64(0), jobs["messaging.destination.name=webhook_inbox,webhook.job.state=available"])
	assert.Len(t, jobs, 12, "3 queues × 4 states")
	lag, ok := m["webhook.queue.lag"].(metricdata.Gauge[float64])
	require.True(t, ok, "want a float64 gauge, got %T", m["webhook.queue.lag"])
	assert.Len(t, lag.DataPoints, 3, "one per queue")
	for _, dp := range lag.DataPoints {
		assert.GreaterOrEqual(t, dp.Value, 0.0)
		assert.Less(t, dp.Value, 60.0)
	}

	require.NoError(t, reg.Unregister())
	assert.NotContains(t, tel.metrics(t), "webhook.queue.jobs", "nothing observed after Unregister")
}

func mustAtoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	require.NoError(t, err)
	return n
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// TestObserveEndpoints reports the endpoints furthest behind, at most top
// of them, at each collection.
func TestObserveEndpoints(t *testing.T) {
	t.Parallel()
	tel := newTelemetry(t)
	_, b := sqliteDB(t, "provider")
	rt := tel.runtime(t, b)
	eps, err := endpoints.New(rt, &endpoints.Options{InsecureAllowPrivateNetworks: true})
	require.NoError(t, err)
	ctx := context.Background()
	_, err = eps.CreateApplication(ctx, "app_1", "Shop")
	require.NoError(t, err)
	busy, _, err := eps.CreateEndpoint(ctx, "app_1", endpoints.Input{URL: "http://127.0.0.1:9/busy"})
	require.NoError(t, err)
	_, _, err = eps.CreateEndpoint(ctx, "app_1", endpoints.Input{URL: "http://127.0.0.1:9/quiet", Filter: []string{"order.placed"}})
	require.NoError(t, err)
	for i := range 3 {
		_, err = eps.Publish(ctx, "app_1", "invoice.paid", []byte(`{}`), "msg_"+strconv.Itoa(i))
		require.NoError(t, err)
	}
	_, err = eps.Publish(ctx, "app_1", "order.placed", []byte(`{}`), "msg_order")
	require.NoError(t, err)
	_, err = tel.durable.ObserveEndpoints(eps.PendingByEndpoint, 0)
	require.Error(t, err, "top must be at least 1")
	reg, err := tel.durable.ObserveEndpoints(eps.PendingByEndpoint, 1)
	require.NoError(t, err)
	defer func() { _ = reg.Unregister() }()

	m := tel.metrics(t)
	assert.Equal(t, map[string]int64{"webhook.application.id=app_1,webhook.endpoint.id=" + busy.ID: 4},
		gauge(t, m["webhook.endpoint.pending"]), "only the top endpoint: 3 invoices and the order")
	lag, ok := m["webhook.endpoint.lag"].(metricdata.Gauge[float64])
	require.True(t, ok, "want a float64 gauge, got %T", m["webhook.endpoint.lag"])
	require.Len(t, lag.DataPoints, 1)
	assert.GreaterOrEqual(t, lag.DataPoints[0].Value, 0.0)
}
