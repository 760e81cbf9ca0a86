package durable

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Backoff returns how long to wait before the next attempt after the given
// number of failed attempts (1 after the first failure). It must be safe for
// concurrent use and should be a pure function.
type Backoff func(failures int) time.Duration

// Exponential returns a [Backoff] with full jitter: a random delay in
// [0, min(max, base·2^(failures-1))]. Exponential(5*time.Second, time.Hour)
// waits on average 2.5 s, 5 s, 10 s, ... up to half an hour.
func Exponential(base, max time.Duration) Backoff {
	return func(failures int) time.Duration {
		if failures < 1 {
			failures = 1
		}
		d := max
		if shift := failures - 1; shift < 62 && base > 0 && base<<shift > 0 && base<<shift < max {
			d = base << shift
		}
		if d <= 0 {
			return 0
		}
		return rand.N(d + 1)
	}
}

// Schedule returns a [Backoff] that waits delays[failures-1], and the last
// delay once the schedule is exhausted: Schedule(time.Minute, 5*time.Minute,
// 30*time.Minute) is the reference "60 s, then 300 s, ..." schedule. With no
// delays it retries at once.
func Schedule(delays ...time.Duration) Backoff {
	d := append([]time.Duration(nil), delays...)
	return func(failures int) time.Duration {
		if len(d) == 0 {
			return 0
		}
		i := failures - 1
		if i < 0 {
			i = 0
		}
		if i >= len(d) {
			i = len(d) - 1
		}
		return d[i]
	}
}

// outcome classifies one delivery attempt.
type outcome string

const (
	outcomeDelivered outcome = "delivered" // 2xx
	outcomeRetry     outcome = "retry"     // network error, timeout, 3xx, 408, 409, 425, 429, 5xx
	outcomePermanent outcome = "permanent" // any other 4xx: retrying cannot help
	outcomeAborted   outcome = "aborted"   // the worker was stopping; not the receiver's fault
)

// classify maps an HTTP status (0 for a transport error) onto an outcome.
func classify(status int) outcome {
	switch {
	case status >= 200 && status < 300:
		return outcomeDelivered
	case status == 0, status >= 300 && status < 400, status >= 500:
		return outcomeRetry
	case status == http.StatusRequestTimeout, status == http.StatusConflict,
		status == http.StatusTooEarly, status == http.StatusTooManyRequests:
		return outcomeRetry
	default:
		return outcomePermanent
	}
}

// retryAfter parses a Retry-After value (delay in seconds or an HTTP date)
// relative to now. It returns 0 when v is absent, malformed or in the past.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > 64 {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		if s > int64(365*24*time.Hour/time.Second) {
			s = int64(365 * 24 * time.Hour / time.Second)
		}
		return time.Duration(s) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	if d := t.Sub(now); d > 0 {
		return d
	}
	return 0
}
