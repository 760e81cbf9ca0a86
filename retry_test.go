package webhook_test

import (
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/signedhooks/webhook"
)

func constRand(f float64) func() float64 { return func() float64 { return f } }

func TestBackoffDelay(t *testing.T) {
	t.Parallel()
	const almostOne = 1 - 1e-9
	tests := []struct {
		name       string
		policy     webhook.Backoff
		attempt    int
		retryAfter time.Duration
		want       time.Duration
		wantOK     bool
	}{
		{"zero value, first retry, mid jitter", webhook.Backoff{Rand: constRand(0.5)}, 1, 0, 500 * time.Millisecond, true},
		{"zero value doubles", webhook.Backoff{Rand: constRand(0.5)}, 3, 0, 2 * time.Second, true},
		{"zero value: 8 attempts", webhook.Backoff{Rand: constRand(0.5)}, 7, 0, 32 * time.Second, true},
		{"zero value: no ninth", webhook.Backoff{Rand: constRand(0.5)}, 8, 0, 0, false},
		{"jitter lower bound", webhook.Backoff{Rand: constRand(0)}, 4, 0, 0, true},
		{"jitter upper bound", webhook.Backoff{Rand: constRand(almostOne), MaxAttempts: 20}, 4, 0, time.Duration(almostOne * float64(8*time.Second)), true},
		{"custom initial and multiplier", webhook.Backoff{InitialDelay: 100 * time.Millisecond, Multiplier: 3, MaxAttempts: 10, Rand: constRand(0.5)}, 3, 0, 450 * time.Millisecond, true},
		{"capped by MaxDelay", webhook.Backoff{MaxDelay: 3 * time.Second, MaxAttempts: 10, Rand: constRand(0.5)}, 8, 0, 1500 * time.Millisecond, true},
		{"huge attempt does not overflow", webhook.Backoff{MaxAttempts: math.MaxInt, Rand: constRand(0.5)}, 5000, 0, webhook.DefaultMaxDelay / 2, true},
		{"Retry-After replaces the backoff", webhook.Backoff{Rand: constRand(0)}, 1, 7 * time.Second, 7 * time.Second, true},
		{"Retry-After clamped by MaxDelay", webhook.Backoff{Rand: constRand(0)}, 1, 365 * 24 * time.Hour, webhook.DefaultMaxDelay, true},
		{"Retry-After does not add attempts", webhook.Backoff{MaxAttempts: 2}, 2, time.Second, 0, false},
		{"one attempt: no retry", webhook.Backoff{MaxAttempts: 1}, 1, 0, 0, false},
		{"attempt 0 is invalid", webhook.Backoff{}, 0, 0, 0, false},
		{"bad Rand is ignored", webhook.Backoff{Rand: constRand(math.NaN())}, 2, 0, 0, true},
		{"Rand of 1 is out of range", webhook.Backoff{Rand: constRand(1)}, 2, 0, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := tc.policy.Delay(tc.attempt, tc.retryAfter)
			assert.Equal(t, tc.wantOK, ok)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestBackoffJitterStaysInRange(t *testing.T) {
	t.Parallel()
	b := webhook.Backoff{MaxAttempts: 10, MaxDelay: 5 * time.Second}
	seen := map[time.Duration]bool{}
	for attempt := 1; attempt < 10; attempt++ {
		ceil := min(time.Second<<(attempt-1), 5*time.Second)
		for range 200 {
			d, ok := b.Delay(attempt, 0)
			assert.True(t, ok)
			assert.GreaterOrEqual(t, d, time.Duration(0))
			assert.Less(t, d, ceil)
			seen[d] = true
		}
	}
	assert.Greater(t, len(seen), 100, "the default randomness must spread the waits")
}

func TestScheduleDelay(t *testing.T) {
	t.Parallel()
	reference := webhook.Schedule{time.Minute, 5 * time.Minute}
	tests := []struct {
		name       string
		policy     webhook.Schedule
		attempt    int
		retryAfter time.Duration
		want       time.Duration
		wantOK     bool
	}{
		{"retry 1 after 60s", reference, 1, 0, time.Minute, true},
		{"retry 2 after 300s", reference, 2, 0, 5 * time.Minute, true},
		{"no retry 3", reference, 3, 0, 0, false},
		{"Retry-After shorter than scheduled", reference, 1, 10 * time.Second, 10 * time.Second, true},
		{"Retry-After longer than scheduled", reference, 1, 3 * time.Minute, 3 * time.Minute, true},
		{"Retry-After clamped to longest wait", reference, 1, time.Hour, 5 * time.Minute, true},
		{"empty schedule never retries", webhook.Schedule{}, 1, 0, 0, false},
		{"nil schedule never retries", nil, 1, time.Second, 0, false},
		{"negative entry is zero", webhook.Schedule{-time.Second}, 1, 0, 0, true},
		{"attempt 0 is invalid", reference, 0, 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := tc.policy.Delay(tc.attempt, tc.retryAfter)
			assert.Equal(t, tc.wantOK, ok)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		in   string
		want time.Duration
	}{
		{"seconds", "120", 2 * time.Minute},
		{"seconds with spaces", " 3 ", 3 * time.Second},
		{"zero", "0", 0},
		{"negative", "-5", 0},
		{"fraction", "1.5", 0},
		{"garbage", "soon", 0},
		{"empty", "", 0},
		{"HTTP date ahead", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"RFC 850 date ahead", now.Add(time.Hour).Format(time.RFC850), time.Hour},
		{"HTTP date in the past", now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"huge seconds saturate", "99999999999999999", math.MaxInt64},
		{"overlong value", "1" + string(make([]byte, 100)), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, webhook.ParseRetryAfter(tc.in, now))
		})
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"0", "120", "-1", "Wed, 21 Oct 2015 07:28:00 GMT", "99999999999999999999", ""} {
		f.Add(s)
	}
	now := time.Unix(1_700_000_000, 0)
	f.Fuzz(func(t *testing.T, s string) {
		d := webhook.ParseRetryAfter(s, now)
		if d < 0 {
			t.Fatalf("negative wait %v for %q", d, s)
		}
		// Whatever the endpoint says, a policy clamps it.
		got, ok := webhook.Schedule{time.Minute}.Delay(1, d)
		if !ok || got > time.Minute || got < 0 {
			t.Fatalf("clamped wait %v, %v for %q", got, ok, s)
		}
	})
}
