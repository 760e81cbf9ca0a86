package durable

import (
	"math/rand/v2"
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
