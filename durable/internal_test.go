package durable

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
			assert.Equal(t, tc.want, numberPlaceholders(tc.in))
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
		{"never gives up", forever{}, maxPolicyAttempts},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, attemptsOf(tc.policy))
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
			at := retryAt(sched, tc.attempt, tc.retryAfter)
			assert.WithinRange(t, at, before.Add(tc.want), time.Now().Add(tc.want))
		})
	}
}

// A Retry-After reaches the NextRetry call of its own job once.
func TestRetryAfters(t *testing.T) {
	t.Parallel()
	var r retryAfters
	r.set(1, time.Minute)
	r.set(2, 0)
	assert.Equal(t, time.Minute, r.take(1))
	assert.Zero(t, r.take(1), "taken once")
	assert.Zero(t, r.take(2), "no Retry-After, no entry")
}

func TestCleanText(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "a\uFFFDb\uFFFD", cleanText("a\x00b\xff"))
	assert.Equal(t, "ok", cleanText("ok"))
}

func TestAttemptLogPrunes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := OpenSQLite(filepath.Join(t.TempDir(), "prune.db"))
	require.NoError(t, err)
	defer db.Close()
	b := SQLite(db)
	require.NoError(t, Migrate(ctx, b))
	l := newAttemptLog(b, time.Hour, slog.New(slog.DiscardHandler))
	l.pruneEvery = 10 * time.Millisecond
	l.start()
	require.NoError(t, l.record(ctx, &Attempt{MessageID: "old", At: time.Now().Add(-2 * time.Hour), Outcome: "delivered"}))
	require.NoError(t, l.record(ctx, &Attempt{MessageID: "new", At: time.Now(), Outcome: "delivered"}))
	require.Eventually(t, func() bool {
		old, err := listAttempts(ctx, b, "old")
		return err == nil && len(old) == 0
	}, 5*time.Second, 10*time.Millisecond)
	l.close()
	recent, err := listAttempts(ctx, b, "new")
	require.NoError(t, err)
	assert.Len(t, recent, 1)
}
