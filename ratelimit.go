package webhook

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimit is a token bucket: Rate attempts per second on average, in
// bursts of up to Burst. The zero value means no limit.
type RateLimit struct {
	// Rate is the sustained number of attempts per second. 0 means no
	// limit; use [rate.Inf] for the same explicitly.
	Rate rate.Limit

	// Burst is how many attempts may go at once after a quiet spell.
	// Values below 1 mean 1.
	Burst int
}

func (l RateLimit) unlimited() bool { return l.Rate == 0 || l.Rate == rate.Inf }

// DefaultMaxRateLimiters bounds how many endpoints a Sender tracks a rate
// limiter for at a time.
const DefaultMaxRateLimiters = 10_000

// limiters holds one token bucket per endpoint URL. The map is bounded:
// endpoints are often user-supplied, and a Sender must not grow without
// bound. A bucket that is full again is forgotten first, which loses
// nothing (a new bucket starts full); if every bucket is busy, some are
// forgotten anyway, which only loosens the limit for those endpoints.
type limiters struct {
	def      RateLimit
	per      map[string]RateLimit
	max      int
	mu       sync.Mutex
	limiters map[string]*rate.Limiter
}

func newLimiters(def RateLimit, per map[string]RateLimit, maxN int) *limiters {
	if def.unlimited() && len(per) == 0 {
		return nil
	}
	l := &limiters{def: def, per: make(map[string]RateLimit, len(per)), max: maxN, limiters: make(map[string]*rate.Limiter)}
	for k, v := range per {
		l.per[k] = v
	}
	if l.max <= 0 {
		l.max = DefaultMaxRateLimiters
	}
	return l
}

// reserve takes one token for endpoint at now and returns how long to wait
// before using it, and a function that gives the token back (to call when
// the wait is abandoned). A nil *limiters never waits.
func (l *limiters) reserve(endpoint string, now time.Time) (time.Duration, func()) {
	if l == nil {
		return 0, nil
	}
	cfg, ok := l.per[endpoint]
	if !ok {
		cfg = l.def
	}
	if cfg.unlimited() {
		return 0, nil
	}
	l.mu.Lock()
	lim := l.limiters[endpoint]
	if lim == nil {
		if len(l.limiters) >= l.max {
			l.evict(now)
		}
		lim = rate.NewLimiter(cfg.Rate, max(cfg.Burst, 1))
		l.limiters[endpoint] = lim
	}
	r := lim.ReserveN(now, 1)
	l.mu.Unlock()
	if !r.OK() {
		return 0, nil
	}
	d := r.DelayFrom(now)
	if d <= 0 {
		return 0, nil
	}
	return d, func() { r.CancelAt(now) }
}

// evict forgets idle buckets; if none is idle, it forgets an eighth of the
// buckets, so the cost of a sweep is spread over many insertions.
// l.mu must be held.
func (l *limiters) evict(now time.Time) {
	for k, lim := range l.limiters {
		if lim.TokensAt(now) >= float64(lim.Burst()) {
			delete(l.limiters, k)
		}
	}
	for k := range l.limiters {
		if len(l.limiters) < l.max-l.max/8 {
			break
		}
		delete(l.limiters, k)
	}
}

// len returns the number of tracked buckets.
func (l *limiters) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.limiters)
}
