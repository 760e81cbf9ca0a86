package webhook

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Ids and fingerprints up to these lengths are held inside their entry,
// which then holds no pointer: the usual ids (a "msg_" id, a UUID, Stripe's
// "evt_" ids) and the middleware's fingerprints fit. Such entries live in a
// slab that the garbage collector never scans, found through a map from the
// id's hash to the entry's index: at 16 bytes a slot, the map of a million
// ids fits in a server's last-level cache, where a map holding the entries
// themselves (or string keys) would not, so that a store of a million ids
// stays about as fast as one of ten thousand.
const (
	inlineKey = 40
	inlineFP  = 24
)

// memShard is one lock's worth of a [MemoryStore]'s entries. Its methods
// are called with mu held.
type memShard struct {
	mu sync.Mutex
	// idx holds, by the hash of its id, the index in slab of each entry
	// that fits inline and whose hash no other live id held when it was
	// claimed. free lists the unused indices of slab.
	idx  map[uint64]uint32
	slab []memEntry
	free []uint32
	// long holds the other entries (a longer id or fingerprint, or a hash
	// taken), chained by hash; nlong counts them.
	long    map[uint64][]longEntry
	nlong   int
	replays map[uint64]int64 // hash of replay key -> expiry
	doneQ   []doneItem       // completed keys, oldest first; may hold stale items
	doneAt  int              // index of the first item of doneQ still to look at
	next    uint64           // claims so far, for tokens
	removed uint64           // entries removed so far: a memRef found before is stale if it changed
	minExp  int64            // no entry expires before this
	limit   int              // most entries held
	sweepAt int              // size at which to sweep expired entries
	_       [64]byte         // keep neighbouring shards' locks apart
}

// memState is the state of one idempotency key. Times are nanoseconds since
// the store's start.
type memState struct {
	exp  int64
	tok  uint64 // the claim's token number; 0 once done
	done bool
}

// memEntry is a key held inline, in memShard.slab.
type memEntry struct {
	memState
	h          uint64 // the id's hash
	used       bool
	klen, flen uint8
	key        [inlineKey]byte
	fp         [inlineFP]byte
}

func (e *memEntry) is(key string) bool {
	return int(e.klen) == len(key) && string(e.key[:e.klen]) == key
}

// longEntry is a key held in memShard.long.
type longEntry struct {
	memState
	key, fp string
}

// memRef says where a key's entry is: at slab[at], at long[h][i], or
// nowhere.
type memRef struct {
	h     uint64
	i     int // index in long[h], or inIDs, or absent
	at    uint32
	taken bool // idx holds h, at at (for this key or another)
	st    memState
	key   string
}

const (
	inIDs  = -1
	absent = -2
)

// find locates key, of hash h.
func (sh *memShard) find(key string, h uint64) memRef {
	r := memRef{h: h, i: absent, key: key}
	if at, ok := sh.idx[h]; ok {
		r.at, r.taken = at, true
		if e := &sh.slab[at]; e.is(key) {
			r.i, r.at, r.st = inIDs, at, e.memState
			return r
		}
	}
	if sh.nlong > 0 {
		for i, le := range sh.long[h] {
			if le.key == key {
				r.i, r.st = i, le.memState
				return r
			}
		}
	}
	return r
}

// fingerprint returns the fingerprint of the entry r found.
func (sh *memShard) fingerprint(r memRef) string {
	if r.i == inIDs {
		e := &sh.slab[r.at]
		return string(e.fp[:e.flen])
	}
	return sh.long[r.h][r.i].fp
}

// set stores st for the entry r found.
func (sh *memShard) set(r memRef, st memState) {
	if r.i == inIDs {
		sh.slab[r.at].memState = st
		return
	}
	sh.long[r.h][r.i].memState = st
}

// add stores a new entry for r's key, which find found nowhere (or which
// was removed since); an expired entry of another key in its place in idx
// is dropped.
func (sh *memShard) add(r memRef, st memState, fp string, now int64) {
	if len(r.key) <= inlineKey && len(fp) <= inlineFP {
		at, ok := r.at, r.taken
		if !ok {
			if n := len(sh.free); n > 0 {
				at = sh.free[n-1]
				sh.free = sh.free[:n-1]
			} else {
				at = uint32(len(sh.slab))
				sh.slab = append(sh.slab, memEntry{})
			}
			sh.idx[r.h] = at
		}
		if e := &sh.slab[at]; !ok || e.exp <= now {
			*e = memEntry{memState: st, h: r.h, used: true, klen: uint8(len(r.key)), flen: uint8(len(fp))}
			copy(e.key[:], r.key)
			copy(e.fp[:], fp)
			return
		}
	}
	// Copy the key: the caller's string may share memory with a request
	// body, which would otherwise stay alive with the entry.
	sh.long[r.h] = append(sh.long[r.h], longEntry{memState: st, key: string([]byte(r.key)), fp: fp})
	sh.nlong++
}

// remove deletes the entry r found.
func (sh *memShard) remove(r memRef) {
	if r.i == inIDs {
		sh.removeAt(r.h, r.at)
		return
	}
	sh.removeLong(r.h, r.i)
}

func (sh *memShard) removeAt(h uint64, at uint32) {
	sh.removed++
	delete(sh.idx, h)
	sh.slab[at] = memEntry{}
	sh.free = append(sh.free, at)
}

func (sh *memShard) removeLong(h uint64, i int) {
	sh.removed++
	c := sh.long[h]
	last := len(c) - 1
	c[i] = c[last]
	c[last] = longEntry{}
	if last == 0 {
		delete(sh.long, h)
	} else {
		sh.long[h] = c[:last]
	}
	sh.nlong--
}

// size returns the number of entries held.
func (sh *memShard) size() int { return len(sh.idx) + sh.nlong + len(sh.replays) }

// doneItem records one completion, in completion order, for eviction. It
// is stale when its key has since expired, been evicted or been claimed
// again: the entry at its hash is then not done or has another expiry.
type doneItem struct {
	h   uint64
	exp int64
}

// minSweep is the smallest shard size at which sweeps start.
const minSweep = 256

// owned returns key's entry if token number tok holds an unexpired claim
// on it. An expired entry is dropped on the way.
func (sh *memShard) owned(key string, h, tok uint64, now int64) (memRef, bool) {
	r := sh.find(key, h)
	if r.i == absent {
		return r, false
	}
	if r.st.exp <= now {
		sh.remove(r)
		return r, false
	}
	return r, !r.st.done && tok != 0 && r.st.tok == tok
}

// room reports whether the shard can take one more entry, making room if
// needed. It drops expired entries when the shard is full, or has doubled
// since the last sweep, and some entry may have expired: sweeps cost time
// linear in the shard's size but come at most once per doubling, and keep
// the maps near the size of their live contents. When the shard is still
// full it evicts the oldest completed key, counting it in evicted.
func (sh *memShard) room(now int64, evicted *atomic.Uint64) bool {
	n := sh.size()
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

// live reports whether it still stands for a completed entry, and deletes
// that entry if del is set.
func (sh *memShard) live(it doneItem, del bool) bool {
	if at, ok := sh.idx[it.h]; ok {
		if e := &sh.slab[at]; e.done && e.exp == it.exp {
			if del {
				sh.removeAt(it.h, at)
			}
			return true
		}
	}
	if sh.nlong > 0 {
		for i, le := range sh.long[it.h] {
			if le.done && le.exp == it.exp {
				if del {
					sh.removeLong(it.h, i)
				}
				return true
			}
		}
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
		if sh.live(it, true) {
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
		sh.doneQ, sh.doneAt = sh.doneQ[:n], 0
	}
}

// sweep drops expired entries and stale queue items, and returns how many
// entries remain.
func (sh *memShard) sweep(now int64) int {
	sh.minExp = math.MaxInt64
	for i := range sh.slab {
		if e := &sh.slab[i]; e.used {
			if e.exp <= now {
				sh.removeAt(e.h, uint32(i))
			} else {
				sh.noteExp(e.exp)
			}
		}
	}
	for h, c := range sh.long {
		for i := len(c) - 1; i >= 0; i-- {
			if c[i].exp <= now {
				sh.removeLong(h, i)
				c = sh.long[h]
			} else {
				sh.noteExp(c[i].exp)
			}
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
	return sh.size()
}

// noteDone queues a completed key for eviction. When stale items make up
// most of the queue (keys completed again after expiring, without a sweep),
// it drops them, so the queue stays proportional to the keys held.
func (sh *memShard) noteDone(h uint64, exp int64) {
	sh.doneQ = append(sh.doneQ, doneItem{h: h, exp: exp})
	if len(sh.doneQ)-sh.doneAt > 2*(len(sh.idx)+sh.nlong)+minSweep {
		sh.pruneDone()
	}
}

// pruneDone drops the stale items of the queue, keeping the order.
func (sh *memShard) pruneDone() {
	live := sh.doneQ[:0]
	for _, it := range sh.doneQ[sh.doneAt:] {
		if sh.live(it, false) {
			live = append(live, it)
		}
	}
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
