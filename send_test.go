package webhook_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
)

func TestSendOutcomes(t *testing.T) {
	t.Parallel()
	halfJitter := webhook.Backoff{Rand: constRand(0.5)}
	tests := []struct {
		name        string
		handler     http.HandlerFunc
		retry       webhook.RetryPolicy
		wantOutcome webhook.DeliveryOutcome
		wantErr     []error
		wantStatus  []int
		wantSleeps  []time.Duration
	}{
		{
			name:        "delivered at once",
			handler:     statuses(200),
			wantOutcome: webhook.Delivered,
			wantStatus:  []int{200},
		},
		{
			name:        "flaky endpoint succeeds on attempt 3",
			handler:     statuses(503, 500, 204),
			retry:       halfJitter,
			wantOutcome: webhook.Delivered,
			wantStatus:  []int{503, 500, 204},
			wantSleeps:  []time.Duration{500 * time.Millisecond, time.Second},
		},
		{
			name:        "reference schedule",
			handler:     statuses(500, 500, 200),
			retry:       webhook.Schedule{time.Minute, 5 * time.Minute},
			wantOutcome: webhook.Delivered,
			wantStatus:  []int{500, 500, 200},
			wantSleeps:  []time.Duration{time.Minute, 5 * time.Minute},
		},
		{
			name:        "gives up after the schedule",
			handler:     statuses(502),
			retry:       webhook.Schedule{time.Minute, 5 * time.Minute},
			wantOutcome: webhook.GaveUp,
			wantErr:     []error{webhook.ErrGaveUp, webhook.ErrStatus},
			wantStatus:  []int{502, 502, 502},
			wantSleeps:  []time.Duration{time.Minute, 5 * time.Minute},
		},
		{
			name:        "gives up after MaxAttempts",
			handler:     statuses(429),
			retry:       webhook.Backoff{MaxAttempts: 3, Rand: constRand(0)},
			wantOutcome: webhook.GaveUp,
			wantErr:     []error{webhook.ErrGaveUp, webhook.ErrStatus},
			wantStatus:  []int{429, 429, 429},
			wantSleeps:  []time.Duration{0, 0},
		},
		{
			name:        "permanent 4xx stops at once",
			handler:     statuses(400, 200),
			retry:       halfJitter,
			wantOutcome: webhook.PermanentFailure,
			wantErr:     []error{webhook.ErrRejected},
			wantStatus:  []int{400},
		},
		{
			name:        "401 stops at once",
			handler:     statuses(401, 200),
			retry:       halfJitter,
			wantOutcome: webhook.PermanentFailure,
			wantErr:     []error{webhook.ErrRejected},
			wantStatus:  []int{401},
		},
		{
			name:        "410 stops and says gone",
			handler:     statuses(410, 200),
			retry:       halfJitter,
			wantOutcome: webhook.PermanentFailure,
			wantErr:     []error{webhook.ErrGone},
			wantStatus:  []int{410},
		},
		{
			name:        "409 in flight is retried",
			handler:     statuses(409, 200),
			retry:       halfJitter,
			wantOutcome: webhook.Delivered,
			wantStatus:  []int{409, 200},
			wantSleeps:  []time.Duration{500 * time.Millisecond},
		},
		{
			name: "Retry-After seconds honoured",
			handler: func(w http.ResponseWriter, r *http.Request) {
				if !seen(r) {
					w.Header().Set("Retry-After", "7")
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				w.WriteHeader(http.StatusOK)
			},
			retry:       halfJitter,
			wantOutcome: webhook.Delivered,
			wantStatus:  []int{429, 200},
			wantSleeps:  []time.Duration{7 * time.Second},
		},
		{
			name: "Retry-After of a year is clamped",
			handler: func(w http.ResponseWriter, r *http.Request) {
				if !seen(r) {
					w.Header().Set("Retry-After", "31536000")
					w.WriteHeader(http.StatusServiceUnavailable)
					return
				}
				w.WriteHeader(http.StatusOK)
			},
			retry:       webhook.Backoff{MaxDelay: time.Minute},
			wantOutcome: webhook.Delivered,
			wantStatus:  []int{503, 200},
			wantSleeps:  []time.Duration{time.Minute},
		},
		{
			name: "temporary redirect is a failed attempt, not followed",
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/elsewhere" {
					panic("redirect followed")
				}
				http.Redirect(w, r, "/elsewhere?token=abc", http.StatusFound)
			},
			retry:       webhook.Backoff{MaxAttempts: 2, Rand: constRand(0)},
			wantOutcome: webhook.GaveUp,
			wantErr:     []error{webhook.ErrGaveUp, webhook.ErrStatus},
			wantStatus:  []int{302, 302},
			wantSleeps:  []time.Duration{0},
		},
		{
			name: "permanent redirect stops at once",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "https://example.com/new", http.StatusPermanentRedirect)
			},
			retry:       halfJitter,
			wantOutcome: webhook.PermanentFailure,
			wantErr:     []error{webhook.ErrRejected},
			wantStatus:  []int{308},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, tc.handler)
			clock := newSenderClock()
			var hooked []webhook.AttemptReport
			s := newTestSender(t, clock, webhook.SenderOptions{
				Retry:     tc.retry,
				OnAttempt: func(a webhook.AttemptReport) { hooked = append(hooked, a) },
			})
			rep, err := s.Send(context.Background(), srv.URL+"/hook", msg(`{"event":"payment.succeeded"}`))
			require.NotNil(t, rep)
			if len(tc.wantErr) == 0 {
				require.NoError(t, err)
			} else {
				var de *webhook.DeliveryError
				require.ErrorAs(t, err, &de)
				for _, want := range tc.wantErr {
					require.ErrorIs(t, err, want)
				}
				assert.Equal(t, len(tc.wantStatus), de.Attempts)
				assert.Equal(t, tc.wantStatus[len(tc.wantStatus)-1], de.StatusCode)
				assert.Equal(t, rep.MessageID, de.MessageID)
			}
			assert.Equal(t, tc.wantOutcome, rep.Outcome)
			assert.Equal(t, tc.wantStatus, attemptStatuses(rep))
			assert.Equal(t, tc.wantSleeps, clock.Sleeps())
			assert.Equal(t, rep.Attempts, hooked, "OnAttempt sees every attempt as reported")
			assert.Equal(t, int64(len(tc.wantStatus)), srv.requests.Load())
			for i, a := range rep.Attempts {
				assert.Equal(t, i+1, a.Number)
				assert.Equal(t, rep.MessageID, a.MessageID)
				assert.Equal(t, "payment.succeeded", a.Type)
				last := i == len(rep.Attempts)-1
				assert.Equal(t, !last, a.Retry, "attempt %d", a.Number)
				if !last {
					assert.Equal(t, tc.wantSleeps[i], a.NextDelay)
					assert.Equal(t, webhook.ClassRetry, a.Class)
					require.Error(t, a.Err)
				}
			}
		})
	}
}

// seen reports whether an earlier request of the same message reached the
// handler; the first attempt of a message is never "seen".
var seenIDs sync.Map

func seen(r *http.Request) bool {
	_, loaded := seenIDs.LoadOrStore(r.Header.Get(webhook.IDHeader), true)
	return loaded
}

func TestSendPerAttemptTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) }) // runs before srv.Close
	clock := newSenderClock()
	s := newTestSender(t, clock, webhook.SenderOptions{
		AttemptTimeout: 20 * time.Millisecond,
		Retry:          webhook.Backoff{MaxAttempts: 2, Rand: constRand(0)},
	})
	rep, err := s.Send(context.Background(), srv.URL, msg(`{}`))
	require.ErrorIs(t, err, webhook.ErrGaveUp)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, webhook.GaveUp, rep.Outcome)
	require.Len(t, rep.Attempts, 2)
	for _, a := range rep.Attempts {
		assert.Equal(t, 0, a.StatusCode)
		assert.Equal(t, webhook.ClassRetry, a.Class)
		require.ErrorIs(t, a.Err, context.DeadlineExceeded)
	}
}

func TestSendCancelInterruptsBackoff(t *testing.T) {
	t.Parallel()
	srv := newServer(t, statuses(503))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Real sleeping, and an hour to wait: only the cancellation can end it.
	s := newTestSender(t, nil, webhook.SenderOptions{
		Retry:     webhook.Schedule{time.Hour},
		OnAttempt: func(webhook.AttemptReport) { cancel() },
	})
	done := make(chan struct{})
	var rep *webhook.Report
	var err error
	go func() {
		defer close(done)
		rep, err = s.Send(ctx, srv.URL, msg(`{}`))
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Send did not return after its context was cancelled")
	}
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, webhook.ErrStatus, "the last attempt's error is kept")
	assert.Equal(t, webhook.Cancelled, rep.Outcome)
	assert.Len(t, rep.Attempts, 1)
	assert.Equal(t, int64(1), srv.requests.Load())
}

func TestSendCancelledBeforeStart(t *testing.T) {
	t.Parallel()
	srv := newServer(t, statuses(200))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := newTestSender(t, newSenderClock(), webhook.SenderOptions{})
	rep, err := s.Send(ctx, srv.URL, msg(`{}`))
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, webhook.Cancelled, rep.Outcome)
	assert.Empty(t, rep.Attempts)
	assert.Equal(t, int64(0), srv.requests.Load())
}
