package core

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	webhook "github.com/signedhooks/webhook"
)

func TestNumberPlaceholders(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"none", "SELECT 1", "SELECT 1"},
		{"several", "INSERT INTO t VALUES (?, ?),(?, ?)", "INSERT INTO t VALUES ($1, $2),($3, $4)"},
		{"ten and more", "??????????", "$1$2$3$4$5$6$7$8$9$10"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, NumberPlaceholders(tc.in))
		})
	}
}

// A job gets as many attempts as its policy allows, with the meaning the
// policy has in Send.
func TestAttemptsOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		policy webhook.RetryPolicy
		want   int
	}{
		{"zero Backoff", webhook.Backoff{}, webhook.DefaultMaxAttempts},
		{"Backoff of 3", webhook.Backoff{MaxAttempts: 3}, 3},
		{"no retry", webhook.Backoff{MaxAttempts: 1}, 1},
		{"schedule of two waits", webhook.Schedule{time.Minute, 5 * time.Minute}, 3},
		{"empty schedule", webhook.Schedule{}, 1},
		{"never gives up", forever{}, MaxPolicyAttempts},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, AttemptsOf(tc.policy))
		})
	}
}

type forever struct{}

func (forever) Delay(int, time.Duration) (time.Duration, bool) { return time.Second, true }

// The wait before the next run is the policy's, Retry-After included; past
// the policy's last attempt (a job stored with more), its last wait.
func TestRetryAt(t *testing.T) {
	t.Parallel()
	sched := webhook.Schedule{time.Minute, 5 * time.Minute}
	tests := []struct {
		name       string
		attempt    int
		retryAfter time.Duration
		want       time.Duration
	}{
		{"first", 1, 0, time.Minute},
		{"second", 2, 0, 5 * time.Minute},
		{"Retry-After", 1, 2 * time.Minute, 2 * time.Minute},
		{"Retry-After clamped", 1, time.Hour, 5 * time.Minute},
		{"past the schedule", 7, 0, 5 * time.Minute},
		{"below one", 0, 0, time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			before := time.Now()
			at := RetryAt(sched, tc.attempt, tc.retryAfter)
			assert.WithinRange(t, at, before.Add(tc.want), time.Now().Add(tc.want))
		})
	}
}

// A Retry-After reaches the NextRetry call of its own job once.
func TestRetryAfters(t *testing.T) {
	t.Parallel()
	var r RetryAfters
	r.Set(1, time.Minute)
	r.Set(2, 0)
	assert.Equal(t, time.Minute, r.Take(1))
	assert.Zero(t, r.Take(1), "taken once")
	assert.Zero(t, r.Take(2), "no Retry-After, no entry")
}

func TestCleanText(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "a\uFFFDb\uFFFD", CleanText("a\x00b\xff"))
	assert.Equal(t, "ok", CleanText("ok"))
}
