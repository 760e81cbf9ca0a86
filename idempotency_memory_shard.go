package webhook

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// memShard is one lock's worth of a [MemoryStore]'s entries. Its methods
// are called with mu held.
type memShard struct {
	mu      sync.Mutex
	keys    map[string]memEntry
	replays map[uint64]int64 // hash of replay key -> expiry
	doneQ   []doneItem       // completed keys, oldest first; may hold stale items
	doneAt  int              // index of the first item of doneQ still to look at
	next    uint64           // token counter
	minExp  int64            // no entry expires before this
	limit   int              // most entries held
	sweepAt int              // size at which to sweep expired entries
	id      string           // shard index, part of its tokens
	_       [64]byte         // keep neighbouring shards' locks apart
}

// memEntry is the state of one idempotency key. Times are nanoseconds since
// the store's start.
type memEntry struct {
	exp   int64
	done  bool
	token string // "" once done
	fp    string
}

// doneItem records one completion, in completion order, for eviction. It
// is stale when its key has since expired, been evicted or been claimed again.
type doneItem struct {
	key string
	exp int64
}

// minSweep is the smallest shard size at which sweeps start.
const minSweep = 256

// owned returns key's entry if token holds an unexpired claim on it. An
// expired entry is dropped on the way.
func (sh *memShard) owned(key, token string, now int64) (memEntry, bool) {
	e, ok := sh.keys[key]
	if !ok {
		return e, false
	}
	if e.exp <= now {
		delete(sh.keys, key)
		return e, false
	}
	return e, !e.done && token != "" && e.token == token
}

// room reports whether the shard can take one more entry, making room if
// needed. It drops expired entries when the shard is full, or has doubled
// since the last sweep, and some entry may have expired: sweeps cost time
// linear in the shard's size but come at most once per doubling, and keep
// the maps near the size of their live contents. When the shard is still
// full it evicts the oldest completed key, counting it in evicted.
func (sh *memShard) room(now int64, evicted *atomic.Uint64) bool {
	n := len(sh.keys) + len(sh.replays)
	if n >= sh.sweepAt && now >= sh.minExp {
		n = sh.sweep(now)
		sh.sweepAt = min(max(2*n, minSweep), sh.limit)
	}
	if n < sh.limit {
		return true
	}
	if sh.evictDone() {
		evicted.Add(1)
		return true
	}
	return false
}

// evictDone deletes the earliest completed key still held, and reports
// whether there was one.
func (sh *memShard) evictDone() bool {
	for sh.doneAt < len(sh.doneQ) {
		it := sh.doneQ[sh.doneAt]
		sh.doneQ[sh.doneAt] = doneItem{}
		sh.doneAt++
		if e, ok := sh.keys[it.key]; ok && e.done && e.exp == it.exp {
			delete(sh.keys, it.key)
			sh.compactDone()
			return true
		}
	}
	sh.doneQ, sh.doneAt = sh.doneQ[:0], 0
	return false
}

// compactDone moves the unread part of doneQ to its front once the read part
// is the larger, so the queue's memory stays proportional to its contents.
func (sh *memShard) compactDone() {
	if sh.doneAt > len(sh.doneQ)/2 {
		n := copy(sh.doneQ, sh.doneQ[sh.doneAt:])
		clear(sh.doneQ[n:])
		sh.doneQ, sh.doneAt = sh.doneQ[:n], 0
	}
}

// sweep drops expired entries and stale queue items, and returns how many
// entries remain.
func (sh *memShard) sweep(now int64) int {
	sh.minExp = math.MaxInt64
	for k, e := range sh.keys {
		if e.exp <= now {
			delete(sh.keys, k)
		} else {
			sh.noteExp(e.exp)
		}
	}
	for k, exp := range sh.replays {
		if exp <= now {
			delete(sh.replays, k)
		} else {
			sh.noteExp(exp)
		}
	}
	sh.pruneDone()
	return len(sh.keys) + len(sh.replays)
}

// noteDone queues a completed key for eviction. When stale items make up
// most of the queue (keys completed again after expiring, without a sweep),
// it drops them, so the queue stays proportional to the keys held.
func (sh *memShard) noteDone(key string, exp int64) {
	sh.doneQ = append(sh.doneQ, doneItem{key: key, exp: exp})
	if len(sh.doneQ)-sh.doneAt > 2*len(sh.keys)+minSweep {
		sh.pruneDone()
	}
}

// pruneDone drops the stale items of the queue, keeping the order.
func (sh *memShard) pruneDone() {
	live := sh.doneQ[:0]
	for _, it := range sh.doneQ[sh.doneAt:] {
		if e, ok := sh.keys[it.key]; ok && e.done && e.exp == it.exp {
			live = append(live, it)
		}
	}
	clear(sh.doneQ[len(live):])
	sh.doneQ, sh.doneAt = live, 0
}

// noteExp records that an entry expires at exp.
func (sh *memShard) noteExp(exp int64) {
	if exp < sh.minExp {
		sh.minExp = exp
	}
}

// expiry returns now+ttl, saturating instead of overflowing.
func expiry(now int64, ttl time.Duration) int64 {
	if ttl > 0 && now > math.MaxInt64-int64(ttl) {
		return math.MaxInt64
	}
	return now + int64(ttl)
}
