package durable_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
)

// recorder is an inbox handler that counts runs per event id and fails as
// told.
type recorder struct {
	mu     sync.Mutex
	runs   map[string]int
	events map[string]webhook.Event
	last   map[string]int // AttemptFromContext of the latest run
	fail   func(ctx context.Context, ev webhook.Event) error
}

func newRecorder(fail func(context.Context, webhook.Event) error) *recorder {
	return &recorder{runs: map[string]int{}, events: map[string]webhook.Event{}, last: map[string]int{}, fail: fail}
}

func (r *recorder) handle(ctx context.Context, ev webhook.Event) error {
	r.mu.Lock()
	r.runs[ev.ID]++
	r.events[ev.ID] = ev
	r.last[ev.ID] = durable.AttemptFromContext(ctx)
	r.mu.Unlock()
	if r.fail != nil {
		return r.fail(ctx, ev)
	}
	return nil
}

func (r *recorder) count(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.runs[id]
}

func postEvent(t testing.TB, h http.Handler, id, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/hooks", strings.NewReader(body))
	if id != "" {
		req.Header.Set(webhook.IDHeader, id)
	}
	req.Header.Set(webhook.TimestampHeader, "1700000000")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func TestInboxHTTP(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *testDB) {
		rec := newRecorder(nil)
		in := db.newInbox(t, rec.handle, &durable.InboxOptions{MaxWorkers: fastWorkers, MaxBodyBytes: 64})
		ctx := context.Background()

		w := postEvent(t, in, "msg_1", `{"event":"order.created","id":1}`)
		assert.Equal(t, http.StatusAccepted, w.Code)
		assert.JSONEq(t, `{"status":"accepted"}`, w.Body.String())

		w = postEvent(t, in, "msg_1", `{"event":"order.created","id":1}`)
		assert.Equal(t, http.StatusAccepted, w.Code)
		assert.JSONEq(t, `{"status":"duplicate"}`, w.Body.String())

		w = postEvent(t, in, "msg_2", `{"type":"order.paid"}`)
		assert.Equal(t, http.StatusAccepted, w.Code)

		w = postEvent(t, in, "msg_big", `{"event":"`+strings.Repeat("x", 100)+`"}`)
		assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
		assertErrorBody(t, w, "body_too_large")
		w = postEvent(t, in, strings.Repeat("i", 256), `{}`)
		assert.Equal(t, http.StatusBadRequest, w.Code)
		assertErrorBody(t, w, "invalid_id")

		require.NoError(t, in.Start(ctx))
		defer stop(t, in)
		waitState(t, in.Lookup, "msg_1", durable.StateDone)
		waitState(t, in.Lookup, "msg_2", durable.StateDone)
		assert.Equal(t, 1, rec.count("msg_1"))
		rec.mu.Lock()
		ev := rec.events["msg_1"]
		paid := rec.events["msg_2"]
		rec.mu.Unlock()
		assert.Equal(t, "order.created", ev.Type)
		assert.Equal(t, `{"event":"order.created","id":1}`, string(ev.Payload))
		assert.Equal(t, time.Unix(1700000000, 0), ev.Timestamp)
		assert.Equal(t, "order.paid", paid.Type)
		rec.mu.Lock()
		assert.Equal(t, 1, rec.last["msg_1"])
		rec.mu.Unlock()
		_, err := in.Lookup(ctx, "msg_big")
		require.ErrorIs(t, err, durable.ErrNotFound)
	})
}

func TestInboxOutcomes(t *testing.T) {
	t.Parallel()
	errBoom := errors.New("boom")
	tests := []struct {
		name      string
		fail      func(ctx context.Context, ev webhook.Event) error
		wantState durable.State
		wantRuns  int
	}{
		{"success", nil, durable.StateDone, 1},
		{"retried until success", func(ctx context.Context, _ webhook.Event) error {
			if durable.AttemptFromContext(ctx) < 3 {
				return errBoom
			}
			return nil
		}, durable.StateDone, 3},
		{"permanent cancels", func(context.Context, webhook.Event) error { return durable.Permanent(errBoom) }, durable.StateCancelled, 1},
		{"unprocessable cancels", func(context.Context, webhook.Event) error { return webhook.Unprocessable(errBoom) }, durable.StateCancelled, 1},
		{"dead letter", func(context.Context, webhook.Event) error { return errBoom }, durable.StateDead, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			eachDB(t, func(t *testing.T, db *testDB) {
				rec := newRecorder(tc.fail)
				in := db.newInbox(t, rec.handle, &durable.InboxOptions{MaxWorkers: fastWorkers, Retry: testRetry(3, time.Millisecond)})
				ctx := context.Background()
				require.NoError(t, in.Start(ctx))
				defer stop(t, in)
				dup, err := in.Store(ctx, webhook.Event{ID: "evt_1", Type: "x", Payload: []byte(`{}`)})
				require.NoError(t, err)
				require.False(t, dup)
				it := waitState(t, in.Lookup, "evt_1", tc.wantState)
				assert.Equal(t, tc.wantRuns, rec.count("evt_1"))
				rec.mu.Lock()
				assert.Equal(t, tc.wantRuns, rec.last["evt_1"])
				rec.mu.Unlock()
				if tc.wantState != durable.StateDone {
					assert.NotEmpty(t, it.Errors)
				}
			})
		})
	}
}

func TestInboxReplay(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *testDB) {
		var broken sync.Map
		broken.Store("evt_dead", true)
		rec := newRecorder(func(_ context.Context, ev webhook.Event) error {
			if _, ok := broken.Load(ev.ID); ok {
				return errors.New("handler bug")
			}
			return nil
		})
		in := db.newInbox(t, rec.handle, &durable.InboxOptions{MaxWorkers: fastWorkers, Retry: testRetry(2, time.Millisecond)})
		ctx := context.Background()
		require.NoError(t, in.Start(ctx))
		defer stop(t, in)
		_, err := in.Store(ctx, webhook.Event{ID: "evt_dead", Payload: []byte(`{}`)})
		require.NoError(t, err)
		waitState(t, in.Lookup, "evt_dead", durable.StateDead)
		broken.Delete("evt_dead") // the bug is fixed; replay the dead letter
		require.NoError(t, in.Replay(ctx, "evt_dead"))
		waitState(t, in.Lookup, "evt_dead", durable.StateDone)
		assert.Equal(t, 3, rec.count("evt_dead"))
		require.ErrorIs(t, in.Replay(ctx, "evt_unknown"), durable.ErrNotFound)
	})
}

// assertErrorBody checks that w carries the core's one error shape,
// webhook.ErrorResponse, with code.
func assertErrorBody(t *testing.T, w *httptest.ResponseRecorder, code string) {
	t.Helper()
	var e webhook.ErrorResponse
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &e), w.Body.String())
	assert.Equal(t, code, e.Code)
	assert.NotEmpty(t, e.Message)
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
}
