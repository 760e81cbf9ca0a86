package webhook

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// keepAlive extends a delivery's claim every interval while the next handler
// runs, so that a handler slower than the claim's TTL keeps its id: no retry
// runs beside it, and it can still mark the id done. A fast handler costs one
// timer that never fires; no goroutine runs until it does.
type keepAlive struct {
	mu       sync.Mutex
	m        *middleware
	ctx      context.Context // detached: the request's values, no cancellation
	key      string
	token    string
	interval time.Duration
	timer    *time.Timer
	stopped  bool
}

// keepAliveInterval is how often a claim of ttl is extended: a third of it,
// so that one late or failed Extend still leaves a third of the TTL.
// It also caps the Retry-After of a 409 in flight: with the claim renewed,
// its remaining TTL no longer says when the handler will be done.
func keepAliveInterval(ttl time.Duration) time.Duration {
	return max(ttl/3, time.Millisecond)
}

// start arms the first extension.
func (k *keepAlive) start() {
	k.mu.Lock()
	k.timer = time.AfterFunc(k.interval, k.extend)
	k.mu.Unlock()
}

// stop ends the keep-alive. When it returns no Extend is running and none
// will start, so the caller can Complete or Release the claim.
func (k *keepAlive) stop() {
	k.mu.Lock()
	k.stopped = true
	k.timer.Stop()
	k.mu.Unlock()
}

// extend runs on the timer's goroutine: it extends the claim and re-arms the
// timer, unless the claim is lost. Each Extend is bounded by the interval,
// so that a stalled store cannot hold stop for longer than that.
func (k *keepAlive) extend() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.stopped {
		return
	}
	ctx, cancel := context.WithTimeout(k.ctx, k.interval)
	err := k.m.store.Extend(ctx, k.key, k.token, k.m.claimTTL)
	cancel()
	switch {
	case err == nil:
		k.timer.Reset(k.interval)
	case errors.Is(err, ErrClaimLost):
		// Nothing to keep alive any more: a retry may run beside the
		// handler, and its Complete will fail too.
		k.log(slog.LevelError, "webhook: claim lost while the handler ran; a retry may run beside it", err)
	default:
		// The store may be down for a moment; after a good Extend the
		// claim still has two thirds of its TTL left: try again.
		k.log(slog.LevelWarn, "webhook: extending the claim failed; retrying", err)
		k.timer.Reset(k.interval)
	}
}

func (k *keepAlive) log(level slog.Level, msg string, err error) {
	if k.m.logger == nil {
		return
	}
	k.m.logger.LogAttrs(k.ctx, level, msg, slog.String("id", k.key), slog.String("error", err.Error()))
}
