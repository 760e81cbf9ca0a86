package durable

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
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
