package webhook

import (
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy decides whether a failed delivery attempt is tried again, and
// after how long. [Backoff] and [Schedule] implement it; a durable queue can
// use a policy on its own to compute the delay of its next run.
//
// Implementations must be safe for concurrent use and should be pure: the
// answer depends only on the arguments (and, for jitter, on randomness).
type RetryPolicy interface {
	// Delay returns how long to wait before the next attempt, after attempt
	// number attempt (1 for the first) failed in a retryable way, and false
	// when no attempt is left. retryAfter is the endpoint's Retry-After as
	// returned by [ParseRetryAfter], or 0 when it gave none; a policy honours
	// it in place of its own delay, clamped to its largest delay, so a
	// hostile endpoint cannot park a delivery for long.
	Delay(attempt int, retryAfter time.Duration) (time.Duration, bool)
}

// Defaults used by [Backoff] for zero fields.
const (
	// DefaultInitialDelay is the largest wait after the first attempt.
	DefaultInitialDelay = time.Second

	// DefaultMultiplier grows the largest wait after each attempt.
	DefaultMultiplier = 2.0

	// DefaultMaxDelay caps every wait, Retry-After included. It is above
	// every Retry-After that [Middleware] answers with its defaults (at most
	// [DefaultClaimTTL] while a delivery of the same id is in flight), so a
	// default Sender waits as long as a default receiver asks.
	DefaultMaxDelay = 5 * time.Minute

	// DefaultMaxAttempts is the number of attempts, the first included.
	DefaultMaxAttempts = 8
)

// Backoff is exponential backoff with full jitter: the wait after attempt n
// is drawn uniformly from [0, min(MaxDelay, InitialDelay·Multiplier^(n-1))).
// Full jitter spreads the retries of many deliveries that failed together
// (an endpoint that was down) instead of sending them back in waves.
//
// The zero value is ready to use: 8 attempts, waits of up to 1 s, 2 s, 4 s,
// 8 s, 16 s, 32 s and 64 s (a horizon of about a minute on average and two
// at most), and a Retry-After honoured up to 5 minutes, so seven answers of
// 409 with Retry-After: 60 are waited out for seven minutes. A Backoff is a value; it is safe for concurrent use as long as
// Rand is.
type Backoff struct {
	// InitialDelay is the largest wait after the first attempt.
	// Default: [DefaultInitialDelay] (1 s).
	InitialDelay time.Duration

	// Multiplier grows the largest wait after each attempt. Values below 1
	// mean the default, [DefaultMultiplier] (2).
	Multiplier float64

	// MaxDelay caps every wait, including one asked for with Retry-After.
	// Default: [DefaultMaxDelay] (5 min).
	MaxDelay time.Duration

	// MaxAttempts is the number of attempts including the first.
	// Default: [DefaultMaxAttempts] (8). Use 1 for no retry at all.
	MaxAttempts int

	// Rand returns a number in [0, 1) that picks the wait within its range.
	// Default: math/rand/v2's Float64. Tests pass a constant for exact waits.
	Rand func() float64
}

// Delay implements [RetryPolicy].
func (b Backoff) Delay(attempt int, retryAfter time.Duration) (time.Duration, bool) {
	maxAttempts := b.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	if attempt < 1 || attempt >= maxAttempts {
		return 0, false
	}
	maxDelay := b.MaxDelay
	if maxDelay <= 0 {
		maxDelay = DefaultMaxDelay
	}
	if retryAfter > 0 {
		return min(retryAfter, maxDelay), true
	}
	initial := b.InitialDelay
	if initial <= 0 {
		initial = DefaultInitialDelay
	}
	mult := b.Multiplier
	if mult < 1 {
		mult = DefaultMultiplier
	}
	// Computed in float64 and capped before converting, so a large attempt
	// number cannot overflow.
	ceil := math.Min(float64(initial)*math.Pow(mult, float64(attempt-1)), float64(maxDelay))
	r := rand.Float64
	if b.Rand != nil {
		r = b.Rand
	}
	f := r()
	if !(f >= 0 && f < 1) { // also catches NaN
		f = 0
	}
	return time.Duration(f * ceil), true
}

// Schedule is an explicit list of waits: Schedule[i] is the wait after
// attempt i+1, so a schedule of n waits makes n+1 attempts. The reference
// behaviour, "retry 1 after 60 s, retry 2 after 300 s", is
//
//	webhook.Schedule{time.Minute, 5 * time.Minute}
//
// A Retry-After from the endpoint replaces the scheduled wait, clamped to
// the longest wait in the schedule. An empty Schedule never retries.
type Schedule []time.Duration

// Delay implements [RetryPolicy].
func (s Schedule) Delay(attempt int, retryAfter time.Duration) (time.Duration, bool) {
	if attempt < 1 || attempt > len(s) {
		return 0, false
	}
	if retryAfter > 0 {
		var longest time.Duration
		for _, d := range s {
			longest = max(longest, d)
		}
		return min(retryAfter, longest), true
	}
	return max(s[attempt-1], 0), true
}

// maxRetryAfterLen bounds the Retry-After value we look at: an HTTP date is
// 29 bytes, and no sane number of seconds needs more than 10 digits.
const maxRetryAfterLen = 64

// ParseRetryAfter reads a Retry-After header value, either a number of
// seconds or an HTTP date (relative to now), and returns the wait it asks
// for. It returns 0 for an empty, malformed, negative or past value, and
// reads at most a few dozen bytes of it. The result is not clamped: a
// [RetryPolicy] clamps it.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	if len(v) > 4*maxRetryAfterLen {
		return 0
	}
	v = strings.TrimSpace(v)
	if v == "" || len(v) > maxRetryAfterLen {
		return 0
	}
	if v[0] >= '0' && v[0] <= '9' {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs <= 0 {
			return 0
		}
		if secs > int64(math.MaxInt64/time.Second) {
			return math.MaxInt64
		}
		return time.Duration(secs) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	return max(t.Sub(now), 0)
}
