package durable

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

func TestBackoff(t *testing.T) {
	t.Parallel()
	sched := Schedule(time.Minute, 5*time.Minute)
	exp := Exponential(time.Second, 10*time.Second)
	tests := []struct {
		name     string
		backoff  Backoff
		failures int
		min, max time.Duration
	}{
		{"schedule first", sched, 1, time.Minute, time.Minute},
		{"schedule second", sched, 2, 5 * time.Minute, 5 * time.Minute},
		{"schedule keeps its last", sched, 9, 5 * time.Minute, 5 * time.Minute},
		{"schedule below one", sched, 0, time.Minute, time.Minute},
		{"empty schedule", Schedule(), 3, 0, 0},
		{"exponential first", exp, 1, 0, time.Second},
		{"exponential third", exp, 3, 0, 4 * time.Second},
		{"exponential capped", exp, 40, 0, 10 * time.Second},
		{"exponential huge", exp, 1000, 0, 10 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for range 100 {
				d := tc.backoff(tc.failures)
				assert.GreaterOrEqual(t, d, tc.min)
				assert.LessOrEqual(t, d, tc.max)
			}
		})
	}
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
