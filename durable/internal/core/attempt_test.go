package core

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	webhook "github.com/signedhooks/webhook"
)

func TestRun(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		attempt  int
		metadata string
		notSent  int
		want     int
	}{
		{name: "first run", attempt: 1, metadata: `{}`, want: 1},
		{name: "old snoozes count", attempt: 2, metadata: `{"snoozes":3}`, want: 5},
		{name: "own snoozes do not", attempt: 2, metadata: `{"snoozes":3}`, notSent: 3, want: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			job := &rivertype.JobRow{Attempt: tc.attempt, Metadata: []byte(tc.metadata)}
			assert.Equal(t, tc.want, Run(job, tc.notSent))
		})
	}
}

func TestVerdict(t *testing.T) {
	t.Parallel()
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name       string
		ctx        context.Context
		res        Result
		wantErr    error // matched with errors.Is; nil: no error
		wantCancel bool
		wantWait   time.Duration
	}{
		{name: "delivered", ctx: context.Background(), res: Result{AttemptReport: webhook.AttemptReport{Class: webhook.ClassDelivered}}},
		{name: "retry keeps Retry-After", ctx: context.Background(), wantWait: time.Minute,
			res: Result{AttemptReport: webhook.AttemptReport{Class: webhook.ClassRetry, RetryAfter: time.Minute}, Error: "503"}},
		{name: "permanent cancels", ctx: context.Background(), wantCancel: true,
			res: Result{AttemptReport: webhook.AttemptReport{Class: webhook.ClassPermanent}, Error: "400"}},
		{name: "gone cancels", ctx: context.Background(), wantCancel: true,
			res: Result{AttemptReport: webhook.AttemptReport{Class: webhook.ClassGone}, Error: "410"}},
		{name: "aborted returns the stop", ctx: stopped, wantErr: context.Canceled,
			res: Result{AttemptReport: webhook.AttemptReport{Class: webhook.ClassRetry, RetryAfter: time.Minute}, Aborted: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var waits RetryAfters
			err := tc.res.Verdict(tc.ctx, &waits, 7)
			var c *rivertype.JobCancelError
			assert.Equal(t, tc.wantCancel, errors.As(err, &c), "cancelled: %v", err)
			switch {
			case tc.wantErr != nil:
				require.ErrorIs(t, err, tc.wantErr)
			case tc.res.Class == webhook.ClassDelivered:
				require.NoError(t, err)
			default:
				require.Error(t, err)
			}
			assert.Equal(t, tc.wantWait, waits.Take(7))
		})
	}
}
