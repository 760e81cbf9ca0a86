package webhook

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// keeper renews the claims of the deliveries whose next handler is still
// running, so that a handler slower than ClaimTTL keeps its id: no retry runs
// beside it, and it can still mark the id done.
//
// One keeper serves a whole middleware, so that a fast handler costs two
// uncontended lock/unlock pairs and no allocation: a running delivery is a
// [lease] linked into the keeper's list, and one timer, armed only while the
// list is not empty, ticks every interval (ClaimTTL/4). A tick renews, each in
// its own goroutine, the leases that have been running since before the
// previous tick: a claim is first renewed when between one and two intervals
// old, then at every tick, so it always has at least half its TTL left when
// renewed on time. No goroutine runs between ticks, and none at all while no
// delivery is in flight.
type keeper struct {
	store    Store
	ttl      time.Duration
	interval time.Duration
	logger   *slog.Logger

	mu    sync.Mutex
	head  lease  // sentinel of the circular list of leases, oldest first
	epoch uint64 // ticks so far
	timer *time.Timer
	armed bool
}

// lease is one delivery's place in the keeper, embedded in its per-request
// state.
type lease struct {
	prev, next *lease // in the keeper's list; nil once stopped
	epoch      uint64 // keeper's epoch when it started
	busy       bool   // a renewal goroutine owns it; guarded by keeper.mu
	lost       bool   // Extend said ErrClaimLost: renew no more; keeper.mu

	ctx   context.Context // detached: the request's values, no cancellation
	key   string
	token string

	mu      sync.Mutex // held during Extend, so that stop can wait for it
	stopped bool       // guarded by mu
}

func newKeeper(store Store, ttl time.Duration, logger *slog.Logger) *keeper {
	k := &keeper{store: store, ttl: ttl, interval: keepAliveInterval(ttl), logger: logger}
	k.head.prev, k.head.next = &k.head, &k.head
	return k
}

// keepAliveInterval is the keeper's tick for claims of ttl: a quarter of it.
// It also caps the Retry-After of a 409 in flight: with the claim renewed,
// its remaining TTL no longer says when the handler will be done.
func keepAliveInterval(ttl time.Duration) time.Duration {
	return max(ttl/4, time.Millisecond)
}

// start links l, a claim of key with token, into the keeper.
func (k *keeper) start(l *lease, ctx context.Context, key, token string) {
	l.ctx, l.key, l.token = ctx, key, token
	k.mu.Lock()
	l.epoch = k.epoch
	l.prev, l.next = k.head.prev, &k.head
	k.head.prev.next = l
	k.head.prev = l
	if !k.armed {
		k.armed = true
		if k.timer == nil {
			k.timer = time.AfterFunc(k.interval, k.tick)
		} else {
			k.timer.Reset(k.interval)
		}
	}
	k.mu.Unlock()
}

// stop unlinks l. When it returns no Extend of l is running and none will
// start, so the caller can Complete or Release the claim.
func (k *keeper) stop(l *lease) {
	k.mu.Lock()
	l.prev.next, l.next.prev = l.next, l.prev
	l.prev, l.next = nil, nil
	busy := l.busy
	k.mu.Unlock()
	if busy { // a renewal goroutine may be in Extend: wait for it
		l.mu.Lock()
		l.stopped = true
		l.mu.Unlock()
	}
}

// tick runs on the timer's goroutine: it starts the renewal of every lease
// that was already running at the previous tick, and re-arms the timer while
// any lease is left.
func (k *keeper) tick() {
	var due []*lease
	k.mu.Lock()
	k.epoch++
	for l := k.head.next; l != &k.head && l.epoch+2 <= k.epoch; l = l.next {
		if !l.busy && !l.lost {
			l.busy = true
			due = append(due, l)
		}
	}
	if k.head.next == &k.head {
		k.armed = false
	} else {
		k.timer.Reset(k.interval)
	}
	k.mu.Unlock()
	for _, l := range due {
		go k.renew(l)
	}
}

// renew extends l's claim by the TTL, unless l was stopped meanwhile. Each
// Extend is bounded by the interval, so that a stalled store holds a stop
// for no longer than that.
func (k *keeper) renew(l *lease) {
	var err error
	l.mu.Lock()
	stopped := l.stopped
	if !stopped {
		ctx, cancel := context.WithTimeout(l.ctx, k.interval)
		err = k.store.Extend(ctx, l.key, l.token, k.ttl)
		cancel()
	}
	l.mu.Unlock()
	lost := errors.Is(err, ErrClaimLost)
	k.mu.Lock()
	l.busy = false
	l.lost = l.lost || lost
	k.mu.Unlock()
	switch {
	case stopped || err == nil:
	case lost:
		// Nothing to keep alive any more: a retry may run beside the
		// handler, and its Complete will fail too.
		k.log(l, slog.LevelError, "webhook: claim lost while the handler ran; a retry may run beside it", err)
	default:
		// The store may be down for a moment; the claim has at least a
		// quarter of its TTL left, and the next tick tries again.
		k.log(l, slog.LevelWarn, "webhook: extending the claim failed; retrying", err)
	}
}

func (k *keeper) log(l *lease, level slog.Level, msg string, err error) {
	if k.logger == nil {
		return
	}
	k.logger.LogAttrs(l.ctx, level, msg, slog.String("id", l.key), slog.String("error", err.Error()))
}
