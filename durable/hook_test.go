package durable_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
)

// traceKey is the context key under which the tests' Hooks.Inject finds
// the "trace" of an enqueue, and Hooks.Run puts the run's.
type traceKey struct{}

// hookLog records every hook call, and checks that each call made inside a
// run sees the context its Run gave.
type hookLog struct {
	mu       sync.Mutex
	injected []string // queues
	runs     []durable.RunInfo
	attempts []durable.AttemptInfo
	process  []durable.ProcessInfo
	runCtx   []string // the trace seen in OnAttempt and OnProcess
}

func (l *hookLog) hooks() durable.Hooks {
	return durable.Hooks{
		Inject: func(ctx context.Context, queue string) map[string]string {
			l.mu.Lock()
			l.injected = append(l.injected, queue)
			l.mu.Unlock()
			tr, _ := ctx.Value(traceKey{}).(string)
			return map[string]string{"trace": tr, "": "dropped", "long": string(make([]byte, 600))}
		},
		Run: func(ctx context.Context, info durable.RunInfo, run func(context.Context) error) {
			l.mu.Lock()
			l.runs = append(l.runs, info)
			l.mu.Unlock()
			_ = run(context.WithValue(ctx, traceKey{}, "run of "+info.Trace["trace"]))
		},
		OnAttempt: func(ctx context.Context, a durable.AttemptInfo) {
			tr, _ := ctx.Value(traceKey{}).(string)
			l.mu.Lock()
			l.attempts = append(l.attempts, a)
			l.runCtx = append(l.runCtx, tr)
			l.mu.Unlock()
		},
		OnProcess: func(ctx context.Context, p durable.ProcessInfo) {
			tr, _ := ctx.Value(traceKey{}).(string)
			l.mu.Lock()
			l.process = append(l.process, p)
			l.runCtx = append(l.runCtx, tr)
			l.mu.Unlock()
		},
	}
}

func (l *hookLog) snapshot() hookLog {
	l.mu.Lock()
	defer l.mu.Unlock()
	return hookLog{injected: append([]string(nil), l.injected...), runs: append([]durable.RunInfo(nil), l.runs...),
		attempts: append([]durable.AttemptInfo(nil), l.attempts...), process: append([]durable.ProcessInfo(nil), l.process...),
		runCtx: append([]string(nil), l.runCtx...)}
}

// failFirst answers 500 to the first request and 200 to the others.
func failFirst(t *testing.T) *httptest.Server {
	var n atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(s.Close)
	return s
}

func hookRuntime[TTx any](t *testing.T, b durable.Backend[TTx], l *hookLog) *durable.Runtime[TTx] {
	o := testRuntimeOptions()
	o.Hooks = l.hooks()
	return newRuntime(t, b, o)
}

func TestHooksOutbox(t *testing.T) {
	eachDB(t, func(t *testing.T, db *testDB) {
		if db.sqlite != nil {
			testHooksOutbox(t, durable.SQLite(db.sqlite))
		} else {
			testHooksOutbox(t, durable.Postgres(db.pg))
		}
	})
}

func testHooksOutbox[TTx any](t *testing.T, b durable.Backend[TTx]) {
	l := &hookLog{}
	rt := hookRuntime(t, b, l)
	o, err := durable.NewOutbox(rt, senderOptions(testRetry(3, 20*time.Millisecond)), nil)
	require.NoError(t, err)
	srv := failFirst(t)
	ctx := context.WithValue(context.Background(), traceKey{}, "enqueue-1")
	d, err := o.Enqueue(ctx, srv.URL+"/hook", durable.Message{ID: "msg-1", Type: "order.created", Data: map[string]int{"n": 1}})
	require.NoError(t, err)
	require.NoError(t, rt.Start(context.Background()))
	t.Cleanup(func() { stop(t, rt) })
	waitState(t, o.Lookup, "msg-1", durable.StateDone)

	got := l.snapshot()
	assert.Equal(t, []string{durable.QueueOutbox}, got.injected, "one Inject per enqueue call")
	require.Len(t, got.runs, 2)
	for i, r := range got.runs {
		assert.Equal(t, durable.QueueOutbox, r.Queue)
		assert.Equal(t, d.JobID, r.JobID)
		assert.Equal(t, "msg-1", r.MessageID)
		assert.Equal(t, i+1, r.Attempt)
		assert.False(t, r.EnqueuedAt.IsZero())
		assert.Equal(t, map[string]string{"trace": "enqueue-1"}, r.Trace, "the injected trace, within the bounds")
	}
	require.Len(t, got.attempts, 2)
	first, second := got.attempts[0], got.attempts[1]
	assert.Equal(t, durable.AttemptInfo{Queue: durable.QueueOutbox, JobID: d.JobID, MessageID: "msg-1", EventType: "order.created",
		Number: 1, StatusCode: 500, Latency: first.Latency, Class: webhook.ClassRetry, Outcome: "retry", Err: first.Err}, first)
	require.ErrorIs(t, first.Err, webhook.ErrStatus)
	assert.Equal(t, 2, second.Number)
	assert.Equal(t, 200, second.StatusCode)
	assert.Equal(t, webhook.ClassDelivered, second.Class)
	assert.Equal(t, "delivered", second.Outcome)
	assert.NoError(t, second.Err)
	assert.Positive(t, second.Latency)
	assert.Equal(t, []string{"run of enqueue-1", "run of enqueue-1"}, got.runCtx, "OnAttempt runs inside Run's context")
}

func TestHooksInbox(t *testing.T) {
	db := newSQLiteDB(t)
	b := durable.SQLite(db.sqlite)
	l := &hookLog{}
	rt := hookRuntime(t, b, l)
	var runs atomic.Int32
	in, err := durable.NewInbox(rt, func(ctx context.Context, ev webhook.Event) error {
		switch {
		case ev.ID == "poison":
			return webhook.Unprocessable(errors.New("bad data"))
		case runs.Add(1) == 1:
			return errors.New("try again")
		}
		return nil
	}, &durable.InboxOptions{Retry: testRetry(3, 20*time.Millisecond)})
	require.NoError(t, err)
	ctx := context.WithValue(context.Background(), traceKey{}, "store")
	_, err = in.Store(ctx, webhook.Event{ID: "ev-1", Type: "order.created", Payload: []byte(`{}`)})
	require.NoError(t, err)
	_, err = in.Store(ctx, webhook.Event{ID: "poison", Type: "order.created", Payload: []byte(`{}`)})
	require.NoError(t, err)
	require.NoError(t, rt.Start(context.Background()))
	t.Cleanup(func() { stop(t, rt) })
	waitState(t, in.Lookup, "ev-1", durable.StateDone)
	waitState(t, in.Lookup, "poison", durable.StateCancelled)

	got := l.snapshot()
	assert.Equal(t, []string{durable.QueueInbox, durable.QueueInbox}, got.injected)
	require.Len(t, got.process, 3)
	byOutcome := map[string][]durable.ProcessInfo{}
	for _, p := range got.process {
		byOutcome[p.Outcome] = append(byOutcome[p.Outcome], p)
		assert.Equal(t, "order.created", p.EventType)
	}
	require.Len(t, byOutcome["retry"], 1)
	require.Len(t, byOutcome["processed"], 1)
	require.Len(t, byOutcome["unprocessable"], 1)
	assert.Equal(t, "ev-1", byOutcome["retry"][0].EventID)
	assert.Equal(t, 1, byOutcome["retry"][0].Attempt)
	assert.EqualError(t, byOutcome["retry"][0].Err, "try again")
	assert.Equal(t, 2, byOutcome["processed"][0].Attempt)
	assert.NoError(t, byOutcome["processed"][0].Err)
	require.ErrorIs(t, byOutcome["unprocessable"][0].Err, webhook.ErrUnprocessable)
	assert.Equal(t, []string{"run of store", "run of store", "run of store"}, got.runCtx)
	for _, r := range got.runs {
		assert.Equal(t, durable.QueueInbox, r.Queue)
	}
}

func TestHooksEndpoints(t *testing.T) {
	db := newSQLiteDB(t)
	b := durable.SQLite(db.sqlite)
	require.NoError(t, endpoints.Migrate(context.Background(), b))
	l := &hookLog{}
	rt := hookRuntime(t, b, l)
	var wrapped atomic.Int32
	e, err := endpoints.New(rt, &endpoints.Options{InsecureAllowPrivateNetworks: true,
		Retry: testRetry(3, 20*time.Millisecond),
		WrapTransport: func(rt http.RoundTripper) http.RoundTripper {
			return roundTripFunc(func(r *http.Request) (*http.Response, error) {
				wrapped.Add(1)
				return rt.RoundTrip(r)
			})
		}})
	require.NoError(t, err)
	ctx := context.Background()
	_, err = e.CreateApplication(ctx, "app-1", "App")
	require.NoError(t, err)
	srv := failFirst(t)
	ep, _, err := e.CreateEndpoint(ctx, "app-1", endpoints.Input{URL: srv.URL + "/in"})
	require.NoError(t, err)
	res, err := e.Publish(context.WithValue(ctx, traceKey{}, "publish"), "app-1", "order.created", []byte(`{"n":1}`), "msg-7")
	require.NoError(t, err)
	require.Equal(t, 1, res.Deliveries)
	require.NoError(t, rt.Start(ctx))
	t.Cleanup(func() { stop(t, rt) })
	require.Eventually(t, func() bool {
		it, err := e.Delivery(ctx, "app-1", ep.ID, "msg-7")
		return err == nil && it.State == durable.StateDone
	}, 20*time.Second, 10*time.Millisecond)

	got := l.snapshot()
	assert.Equal(t, []string{durable.QueueEndpoints}, got.injected)
	require.Len(t, got.runs, 2)
	for _, r := range got.runs {
		assert.Equal(t, durable.QueueEndpoints, r.Queue)
		assert.Equal(t, "msg-7", r.MessageID)
		assert.Equal(t, ep.ID, r.EndpointID)
		assert.Equal(t, "app-1", r.AppID)
		assert.Equal(t, "publish", r.Trace["trace"])
	}
	require.Len(t, got.attempts, 2)
	for i, a := range got.attempts {
		assert.Equal(t, durable.QueueEndpoints, a.Queue)
		assert.Equal(t, ep.ID, a.EndpointID)
		assert.Equal(t, "app-1", a.AppID)
		assert.Equal(t, "order.created", a.EventType)
		assert.Equal(t, i+1, a.Number)
	}
	assert.Equal(t, []int{500, 200}, []int{got.attempts[0].StatusCode, got.attempts[1].StatusCode})
	assert.Equal(t, int32(2), wrapped.Load(), "every attempt went through EndpointsOptions.WrapTransport")
	assert.Equal(t, []string{"run of publish", "run of publish"}, got.runCtx)
}

// TestHooksRunMisbehaving checks that a Run hook that forgets to call run,
// or calls it twice, neither loses the job's run nor runs it twice.
func TestHooksRunMisbehaving(t *testing.T) {
	for _, tc := range []struct {
		name  string
		calls int
	}{{"never", 0}, {"twice", 2}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := newSQLiteDB(t)
			o := testRuntimeOptions()
			o.Hooks.Run = func(ctx context.Context, _ durable.RunInfo, run func(context.Context) error) {
				for range tc.calls {
					_ = run(ctx)
				}
			}
			rt := newRuntime(t, durable.SQLite(db.sqlite), o)
			var handled atomic.Int32
			in, err := durable.NewInbox(rt, func(context.Context, webhook.Event) error {
				handled.Add(1)
				return nil
			}, nil)
			require.NoError(t, err)
			_, err = in.Store(context.Background(), webhook.Event{ID: "ev", Payload: []byte(`{}`)})
			require.NoError(t, err)
			require.NoError(t, rt.Start(context.Background()))
			t.Cleanup(func() { stop(t, rt) })
			waitState(t, in.Lookup, "ev", durable.StateDone)
			assert.Equal(t, int32(1), handled.Load())
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
