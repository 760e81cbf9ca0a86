package durable_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
)

func TestOutboxOutcomes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		respond      func(id string, n int) (int, http.Header)
		wantState    durable.State
		wantOutcomes []string
		wantStatuses []int
		minGap       time.Duration // least time between the first two attempts
	}{
		{
			name:         "2xx delivers",
			respond:      status(http.StatusNoContent),
			wantState:    durable.StateDone,
			wantOutcomes: []string{"delivered"},
			wantStatuses: []int{204},
		},
		{
			name:         "5xx retries then delivers",
			respond:      sequence(503, 500, 200),
			wantState:    durable.StateDone,
			wantOutcomes: []string{"retry", "retry", "delivered"},
			wantStatuses: []int{503, 500, 200},
		},
		{
			name:         "redirect is a failed attempt",
			respond:      sequence(302, 200),
			wantState:    durable.StateDone,
			wantOutcomes: []string{"retry", "delivered"},
			wantStatuses: []int{302, 200},
		},
		{
			name:         "410 cancels",
			respond:      status(http.StatusGone),
			wantState:    durable.StateCancelled,
			wantOutcomes: []string{"gone"},
			wantStatuses: []int{410},
		},
		{
			name:         "400 cancels",
			respond:      status(http.StatusBadRequest),
			wantState:    durable.StateCancelled,
			wantOutcomes: []string{"permanent"},
			wantStatuses: []int{400},
		},
		{
			name:         "last failure is a dead letter",
			respond:      status(http.StatusInternalServerError),
			wantState:    durable.StateDead,
			wantOutcomes: []string{"retry", "retry", "retry"},
			wantStatuses: []int{500, 500, 500},
		},
		{
			name: "Retry-After snoozes",
			respond: func(_ string, n int) (int, http.Header) {
				if n == 1 {
					return http.StatusTooManyRequests, http.Header{"Retry-After": {"1"}}
				}
				return http.StatusOK, nil
			},
			wantState:    durable.StateDone,
			wantOutcomes: []string{"retry", "delivered"},
			wantStatuses: []int{429, 200},
			minGap:       time.Second,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			eachDB(t, func(t *testing.T, db *testDB) {
				ep := newEndpoint(t, tc.respond)
				o := db.newOutbox(t, testRetry(3, 10*time.Millisecond), &durable.OutboxOptions{MaxWorkers: fastWorkers})
				ctx := context.Background()
				require.NoError(t, o.Start(ctx))
				defer stop(t, o)
				d, err := o.Enqueue(ctx, ep.URL, durable.Message{Payload: []byte(`{"event":"x"}`)})
				require.NoError(t, err)
				it := waitState(t, o.Lookup, d.MessageID, tc.wantState)
				attempts, err := o.Attempts(ctx, d.MessageID)
				require.NoError(t, err)
				var outcomes []string
				var statuses []int
				for i, a := range attempts {
					outcomes = append(outcomes, a.Outcome)
					statuses = append(statuses, a.StatusCode)
					assert.Equal(t, i+1, a.Number)
					assert.Equal(t, d.JobID, a.JobID)
					if a.Outcome != "delivered" {
						assert.NotEmpty(t, a.Error)
					}
				}
				assert.Equal(t, tc.wantOutcomes, outcomes)
				assert.Equal(t, tc.wantStatuses, statuses)
				if tc.minGap > 0 {
					assert.GreaterOrEqual(t, attempts[1].At.Sub(attempts[0].At), tc.minGap-50*time.Millisecond)
				}
				if tc.wantState == durable.StateCancelled || tc.wantState == durable.StateDead {
					assert.NotEmpty(t, it.Errors)
				}
				assert.Equal(t, 0, ep.bad, "every attempt must verify")
			})
		})
	}
}

func TestOutboxReplayDeadLetter(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *testDB) {
		healthy := make(chan struct{})
		ep := newEndpoint(t, func(string, int) (int, http.Header) {
			select {
			case <-healthy:
				return 200, nil
			default:
				return 500, nil
			}
		})
		o := db.newOutbox(t, testRetry(2, time.Millisecond), &durable.OutboxOptions{MaxWorkers: fastWorkers})
		ctx := context.Background()
		require.NoError(t, o.Start(ctx))
		defer stop(t, o)
		d, err := o.Enqueue(ctx, ep.URL, durable.Message{ID: "msg_dead", Payload: []byte(`{}`)})
		require.NoError(t, err)
		waitState(t, o.Lookup, d.MessageID, durable.StateDead)
		close(healthy)
		require.NoError(t, o.Replay(ctx, d.MessageID))
		waitState(t, o.Lookup, d.MessageID, durable.StateDone)
		received, processed := ep.count(d.MessageID)
		assert.Equal(t, 3, received)
		assert.Equal(t, 1, processed)

		require.ErrorIs(t, o.Replay(ctx, "msg_unknown"), durable.ErrNotFound)
		_, err = o.Lookup(ctx, "msg_unknown")
		require.ErrorIs(t, err, durable.ErrNotFound)
	})
}

func TestOutboxDuplicateEnqueue(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *testDB) {
		ep := newEndpoint(t, nil)
		o := db.newOutbox(t, nil, &durable.OutboxOptions{MaxWorkers: fastWorkers})
		ctx := context.Background()
		first, err := o.Enqueue(ctx, ep.URL, durable.Message{ID: "msg_once", Payload: []byte(`{}`)})
		require.NoError(t, err)
		second, err := o.Enqueue(ctx, ep.URL, durable.Message{ID: "msg_once", Payload: []byte(`{"other":1}`)})
		require.NoError(t, err)
		assert.False(t, first.Duplicate)
		assert.True(t, second.Duplicate)
		assert.Equal(t, first.JobID, second.JobID)
		require.NoError(t, o.Start(ctx))
		defer stop(t, o)
		waitState(t, o.Lookup, "msg_once", durable.StateDone)
		received, _ := ep.count("msg_once")
		assert.Equal(t, 1, received)
	})
}

func TestOutboxEnqueueErrors(t *testing.T) {
	t.Parallel()
	db := newSQLiteDB(t)
	o := db.newOutbox(t, nil, &durable.OutboxOptions{MaxPayloadBytes: 8})
	tests := []struct {
		name    string
		target  string
		msg     durable.Message
		wantErr error
	}{
		{"relative URL", "/hook", durable.Message{}, durable.ErrInvalidURL},
		{"other scheme", "ftp://127.0.0.1/hook", durable.Message{}, durable.ErrInvalidURL},
		{"no host", "http:///hook", durable.Message{}, durable.ErrInvalidURL},
		{"payload too large", "http://127.0.0.1/hook", durable.Message{Payload: []byte("123456789")}, durable.ErrPayloadTooLarge},
		{"id too long", "http://127.0.0.1/hook", durable.Message{ID: string(make([]byte, 256))}, durable.ErrInvalidID},
		{"neither data nor payload", "http://127.0.0.1/hook", durable.Message{Type: "a.b"}, durable.ErrInvalidMessage},
		{"both data and payload", "http://127.0.0.1/hook", durable.Message{Data: 1, Payload: []byte("1")}, durable.ErrInvalidMessage},
		{"data that does not marshal", "http://127.0.0.1/hook", durable.Message{Data: func() {}}, durable.ErrInvalidMessage},
		{"type too long", "http://127.0.0.1/hook", durable.Message{Type: string(make([]byte, 256)), Data: 1}, durable.ErrInvalidMessage},
		{"data too large", "http://127.0.0.1/hook", durable.Message{Data: "1234567"}, durable.ErrPayloadTooLarge},
		{"envelope too large", "http://127.0.0.1/hook", durable.Message{ID: "m", Data: 1}, durable.ErrPayloadTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := o.Enqueue(context.Background(), tc.target, tc.msg)
			require.ErrorIs(t, err, tc.wantErr)
		})
	}
}

func status(code int) func(string, int) (int, http.Header) {
	return func(string, int) (int, http.Header) { return code, nil }
}

// sequence answers the n-th request for an id with codes[n-1], then the last.
func sequence(codes ...int) func(string, int) (int, http.Header) {
	return func(_ string, n int) (int, http.Header) {
		return codes[min(n, len(codes))-1], nil
	}
}

func TestOutboxEnqueueMany(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *testDB) {
		ep := newEndpoint(t, nil)
		o := db.newOutbox(t, nil, &durable.OutboxOptions{MaxWorkers: fastWorkers})
		many, ok := o.(interface {
			EnqueueMany(context.Context, []durable.Envelope) ([]durable.Delivery, error)
		})
		require.True(t, ok)
		ctx := context.Background()
		_, err := many.EnqueueMany(ctx, []durable.Envelope{{URL: ep.URL, Message: durable.Message{Payload: []byte(`{}`)}}, {URL: "/relative"}})
		require.ErrorIs(t, err, durable.ErrInvalidURL)

		envs := []durable.Envelope{
			{URL: ep.URL, Message: durable.Message{ID: "msg_a", Payload: []byte(`{}`)}},
			{URL: ep.URL + "/other", Message: durable.Message{ID: "msg_b", Payload: []byte(`{}`)}},
			{URL: ep.URL, Message: durable.Message{Payload: []byte(`{}`)}},
		}
		ds, err := many.EnqueueMany(ctx, envs)
		require.NoError(t, err)
		require.Len(t, ds, 3)
		assert.Equal(t, "msg_a", ds[0].MessageID)
		assert.Equal(t, "msg_b", ds[1].MessageID)
		assert.NotEmpty(t, ds[2].MessageID)
		again, err := many.EnqueueMany(ctx, envs[:1])
		require.NoError(t, err)
		assert.True(t, again[0].Duplicate)

		require.NoError(t, o.Start(ctx))
		defer stop(t, o)
		for _, d := range ds {
			waitState(t, o.Lookup, d.MessageID, durable.StateDone)
		}
		received, _ := ep.count("msg_a")
		assert.Equal(t, 1, received)
	})
}

// A retry policy means the same in the Outbox as in Send: as many attempts,
// and a Retry-After clamped to the policy's longest wait.
func TestOutboxRetryPolicyAsInSend(t *testing.T) {
	t.Parallel()
	policy := webhook.Schedule{10 * time.Millisecond, 20 * time.Millisecond}
	respond := func(string, int) (int, http.Header) {
		return http.StatusServiceUnavailable, http.Header{"Retry-After": {"3600"}}
	}
	ep := newEndpoint(t, respond)
	sender, err := webhook.NewSender(senderOptions(policy))
	require.NoError(t, err)
	start := time.Now()
	rep, err := sender.Send(context.Background(), ep.URL, webhook.Message{ID: "msg_send", Payload: []byte(`{}`)})
	require.Error(t, err)
	sent := len(rep.Attempts)
	require.Equal(t, 3, sent, "Send: one attempt per wait, and the first")
	require.Less(t, time.Since(start), 10*time.Second, "Send clamped the hour-long Retry-After")

	eachDB(t, func(t *testing.T, db *testDB) {
		ctx := context.Background()
		ep := newEndpoint(t, respond)
		o := db.newOutbox(t, policy, &durable.OutboxOptions{MaxWorkers: fastWorkers})
		require.NoError(t, o.Start(ctx))
		defer stop(t, o)
		d, err := o.Enqueue(ctx, ep.URL, durable.Message{Payload: []byte(`{}`)})
		require.NoError(t, err)
		waitState(t, o.Lookup, d.MessageID, durable.StateDead)
		attempts, err := o.Attempts(ctx, d.MessageID)
		require.NoError(t, err)
		assert.Len(t, attempts, sent, "the Outbox makes as many attempts as Send")
		assert.Less(t, attempts[len(attempts)-1].At.Sub(attempts[0].At), 10*time.Second,
			"the Outbox clamped the hour-long Retry-After too")
	})
}
