package webhook

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Ids and fingerprints up to these lengths are held inside their entry,
// which then holds no pointer: the usual ids (a "msg_" id, a UUID, Stripe's
// "evt_" ids) and the middleware's fingerprints fit. Longer ones go to a
// map of chains, memShard.long.
const (
	inlineKey = 40
	inlineFP  = 24
)

// memShard is one lock's worth of a [MemoryStore]'s entries. Its methods
// are called with mu held.
//
// Ids and replay keys are kept in open-addressing tables (linear probing
// over 64-bit hashes, see memTable) rather than Go maps: a lookup reads one
// or two cache lines of 16-byte slots, and an id's entry only when the hash
// matches, so that a store of a million ids stays about as fast as one of
// ten thousand, and no table holds a pointer for the garbage collector to
// scan.
type memShard struct {
	mu      sync.Mutex
	ids     memTable // entries that fit inline
	replays memTable // replay keys, by hash alone
	// long holds the entries of longer ids or fingerprints, chained by
	// hash; nlong counts them.
	long    map[uint64][]longEntry
	nlong   int
	doneQ   []doneItem // completed keys, oldest first; may hold stale items
	doneAt  int        // index of the first item of doneQ still to look at
	next    uint64     // claims so far, for tokens
	minExp  int64      // no entry expires before this
	limit   int        // most entries held
	sweepAt int        // size at which to sweep expired entries
	touched uint8      // written by find, so that its prefetching read is kept
	_       [64]byte   // keep neighbouring shards' locks apart
}

// memState is the state of one idempotency key. Times are nanoseconds since
// the store's start.
type memState struct {
	exp  int64
	tok  uint64 // the claim's token number; 0 once done
	done bool
}

// memSlot is one slot of a memTable: the tag of the hash it holds (0 for
// an empty slot) and its entry's expiry.
type memSlot struct {
	tag uint64
	exp int64
}

// tagOf returns the tag a table stores for hash h: h with its top bit set,
// so that no tag is 0. Tags of different hashes may be equal; the ids
// table tells them apart by the id itself.
func tagOf(h uint64) uint64 { return h | 1<<63 }

// memEntry is the rest of an id's entry, in memTable.ents at its slot's
// index.
type memEntry struct {
	tok        uint64
	done       bool
	klen, flen uint8
	key        [inlineKey]byte
	fp         [inlineFP]byte
}

func (e *memEntry) is(key string) bool {
	return int(e.klen) == len(key) && string(e.key[:e.klen]) == key
}

// memTable is an open-addressing hash table with linear probing and no
// tombstones: a removed slot is refilled by moving back the entries after
// it that probed past it (backward-shift deletion), so probe sequences stay
// as short as the table's load, at most 3/4. Slots are 16 bytes, four to a
// cache line; ents, when not nil, holds each slot's entry at the same
// index, read only to compare ids whose tags match. A table grows by
// doubling, up to room for the shard's limit, and never shrinks.
type memTable struct {
	slots    []memSlot
	ents     []memEntry // nil for the replay table
	withEnts bool       // ents is kept (the ids table)
	n        int        // slots in use, expired or not
}

// home returns the first slot that tag probes.
func (t *memTable) home(tag uint64) int {
	// Fibonacci hashing, then a multiply-shift to any size: the high bits
	// are spread even for a weak hash (tests force equal or small ones).
	x := (tag * 0x9E3779B97F4A7C15) >> 32
	return int(x * uint64(len(t.slots)) >> 32)
}

// next returns the slot after i.
func (t *memTable) next(i int) int {
	if i++; i == len(t.slots) {
		return 0
	}
	return i
}

// fits reports whether one more slot can be used without growing.
func (t *memTable) fits() bool { return 4*(t.n+1) <= 3*len(t.slots) }

// grow rehashes t into about twice as many slots, at most maxSlots.
func (t *memTable) grow(maxSlots int) {
	n := min(max(2*len(t.slots), 16), maxSlots)
	old, oldEnts := t.slots, t.ents
	t.slots = make([]memSlot, n)
	if t.withEnts {
		t.ents = make([]memEntry, n)
	}
	for i, sl := range old {
		if sl.tag == 0 {
			continue
		}
		j := t.home(sl.tag)
		for t.slots[j].tag != 0 {
			j = t.next(j)
		}
		t.slots[j] = sl
		if oldEnts != nil {
			t.ents[j] = oldEnts[i]
		}
	}
}

// del empties slot i by backward shift: each later entry of the run whose
// home is not between i and itself moves back into the gap.
func (t *memTable) del(i int) {
	c := len(t.slots)
	for j := t.next(i); ; j = t.next(j) {
		sl := t.slots[j]
		if sl.tag == 0 {
			break
		}
		// j may fill the gap at i if its probe from home passed i: the
		// distance from home to j is at least that from i to j.
		if (j-t.home(sl.tag)+c)%c >= (j-i+c)%c {
			t.slots[i] = sl
			if t.ents != nil {
				t.ents[i] = t.ents[j]
			}
			i = j
		}
	}
	t.slots[i] = memSlot{}
	if t.ents != nil {
		t.ents[i] = memEntry{}
	}
	t.n--
}

// sweep empties the slots expired at now, in one pass from an empty slot
// (one exists: the load is at most 3/4), and reports each remaining
// expiry to note. Entries only move back into gaps at or after the slot
// being looked at, so every one is looked at once.
func (t *memTable) sweep(now int64, note func(int64)) (dropped int) {
	if t.n == 0 {
		return 0
	}
	start := 0
	for t.slots[start].tag != 0 {
		start++
	}
	i := start
	for k := 1; k < len(t.slots); k++ {
		i = t.next(i)
		for t.slots[i].tag != 0 && t.slots[i].exp <= now {
			t.del(i)
			dropped++
		}
		if t.slots[i].tag != 0 {
			note(t.slots[i].exp)
		}
	}
	return dropped
}

// findTag returns the slot holding tag, or -1, for the replay table.
func (t *memTable) findTag(tag uint64) int {
	if t.n == 0 {
		return -1
	}
	for i := t.home(tag); t.slots[i].tag != 0; i = t.next(i) {
		if t.slots[i].tag == tag {
			return i
		}
	}
	return -1
}

// longEntry is a key held in memShard.long.
type longEntry struct {
	memState
	key, fp string
}

// memRef says where a key's entry is: at ids slot i, at long[h][i], or
// nowhere.
type memRef struct {
	h     uint64
	where int8 // inIDs, inLong or absent
	i     int
	st    memState
	key   string
}

const (
	absent int8 = iota
	inIDs
	inLong
)

// find locates key, of hash h.
func (sh *memShard) find(key string, h uint64) memRef {
	r := memRef{h: h, where: absent, key: key}
	if t := &sh.ids; t.n > 0 {
		tag := tagOf(h)
		i := t.home(tag)
		// Read the entry at home along with its slot: in a large table
		// both miss the cache, and a new id's entry is mostly written at
		// or near its home, so that the two misses overlap rather than
		// come one after the other (a prefetch).
		sh.touched = t.ents[i].klen
		for ; t.slots[i].tag != 0; i = t.next(i) {
			if t.slots[i].tag != tag {
				continue
			}
			if e := &t.ents[i]; e.is(key) {
				r.where, r.i = inIDs, i
				r.st = memState{exp: t.slots[i].exp, tok: e.tok, done: e.done}
				return r
			}
		}
	}
	if sh.nlong > 0 {
		for i, le := range sh.long[h] {
			if le.key == key {
				r.where, r.i, r.st = inLong, i, le.memState
				return r
			}
		}
	}
	return r
}

// fingerprint returns the fingerprint of the entry r found.
func (sh *memShard) fingerprint(r memRef) string {
	if r.where == inIDs {
		e := &sh.ids.ents[r.i]
		return string(e.fp[:e.flen])
	}
	return sh.long[r.h][r.i].fp
}

// set stores st for the entry r found.
func (sh *memShard) set(r memRef, st memState) {
	if r.where == inIDs {
		sh.ids.slots[r.i].exp = st.exp
		e := &sh.ids.ents[r.i]
		e.tok, e.done = st.tok, st.done
		return
	}
	sh.long[r.h][r.i].memState = st
}

// add stores a new entry for key, of hash h, which find found nowhere. On
// its way it may take the slot of an expired entry of another key, or
// grow the table.
func (sh *memShard) add(key string, h uint64, st memState, fp string, now int64) {
	if len(key) > inlineKey || len(fp) > inlineFP {
		// Copy the key: the caller's string may share memory with a
		// request body, which would otherwise stay alive with the entry.
		sh.long[h] = append(sh.long[h], longEntry{memState: st, key: string([]byte(key)), fp: fp})
		sh.nlong++
		return
	}
	t := &sh.ids
	tag := tagOf(h)
	i := -1
	if len(t.slots) > 0 {
		j := t.home(tag)
		for ; t.slots[j].tag != 0; j = t.next(j) {
			if i < 0 && t.slots[j].exp <= now {
				i = j // expired: taken over, which drops its entry
			}
		}
		if i < 0 && t.fits() {
			i = j
		}
	}
	if i < 0 {
		t.grow(sh.maxSlots())
		i = t.home(tag)
		for t.slots[i].tag != 0 {
			i = t.next(i)
		}
	}
	if t.slots[i].tag == 0 {
		t.n++
	}
	t.slots[i] = memSlot{tag: tag, exp: st.exp}
	e := &t.ents[i]
	*e = memEntry{tok: st.tok, done: st.done, klen: uint8(len(key)), flen: uint8(len(fp))}
	copy(e.key[:], key)
	copy(e.fp[:], fp)
}

// addReplay records replay key hash rh until exp, in a slot of its own or
// that of an expired one.
func (sh *memShard) addReplay(rh uint64, exp, now int64) {
	t := &sh.replays
	tag := tagOf(rh)
	i := -1
	if len(t.slots) > 0 {
		j := t.home(tag)
		for ; t.slots[j].tag != 0; j = t.next(j) {
			if t.slots[j].tag == tag || i < 0 && t.slots[j].exp <= now {
				i = j
				if t.slots[j].tag == tag {
					break
				}
			}
		}
		if i < 0 && t.fits() {
			i = j
		}
	}
	if i < 0 {
		t.grow(sh.maxSlots())
		i = t.home(tag)
		for t.slots[i].tag != 0 {
			i = t.next(i)
		}
	}
	if t.slots[i].tag == 0 {
		t.n++
	}
	t.slots[i] = memSlot{tag: tag, exp: exp}
}

// maxSlots is the most slots a table of the shard grows to: room for
// limit entries at a load of 3/4.
func (sh *memShard) maxSlots() int { return sh.limit + (sh.limit+2)/3 + 1 }

// remove deletes the entry r found.
func (sh *memShard) remove(r memRef) {
	if r.where == inIDs {
		sh.ids.del(r.i)
		return
	}
	sh.removeLong(r.h, r.i)
}

func (sh *memShard) removeLong(h uint64, i int) {
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
func (sh *memShard) size() int { return sh.ids.n + sh.nlong + sh.replays.n }

// doneItem records one completion, in completion order, for eviction. It
// is stale when its key has since expired or been evicted: no done entry of
// its hash has its expiry then. (A completed key is neither released nor
// completed again, and is claimed again only once expired.)
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
	if r.where == absent {
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
// the tables near the size of their live contents. When the shard is still
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

// evictDone deletes the earliest completed key still held, and reports
// whether there was one.
func (sh *memShard) evictDone() bool {
	for sh.doneAt < len(sh.doneQ) {
		it := sh.doneQ[sh.doneAt]
		sh.doneQ[sh.doneAt] = doneItem{}
		sh.doneAt++
		if sh.dropDone(it) {
			sh.compactDone()
			return true
		}
	}
	sh.doneQ, sh.doneAt = sh.doneQ[:0], 0
	return false
}

// dropDone deletes the completed entry it stands for, and reports whether
// there was one.
func (sh *memShard) dropDone(it doneItem) bool {
	if t := &sh.ids; t.n > 0 {
		tag := tagOf(it.h)
		for i := t.home(tag); t.slots[i].tag != 0; i = t.next(i) {
			if sl := t.slots[i]; sl.tag == tag && sl.exp == it.exp && t.ents[i].done {
				t.del(i)
				return true
			}
		}
	}
	if sh.nlong > 0 {
		for i, le := range sh.long[it.h] {
			if le.done && le.exp == it.exp {
				sh.removeLong(it.h, i)
				return true
			}
		}
	}
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

// sweep drops expired entries and queue items, and returns how many
// entries remain.
func (sh *memShard) sweep(now int64) int {
	sh.minExp = math.MaxInt64
	sh.ids.sweep(now, sh.noteExp)
	sh.replays.sweep(now, sh.noteExp)
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
	sh.pruneDone(now)
	return sh.size()
}

// noteDone queues a completed key for eviction. When expired items make up
// most of the queue (keys completed again after expiring, without a
// sweep), it drops them, so the queue stays proportional to the keys held.
func (sh *memShard) noteDone(h uint64, exp, now int64) {
	sh.doneQ = append(sh.doneQ, doneItem{h: h, exp: exp})
	if len(sh.doneQ)-sh.doneAt > 2*(sh.ids.n+sh.nlong)+minSweep {
		sh.pruneDone(now)
	}
}

// pruneDone drops the queue items expired at now, keeping the order,
// without looking their entries up: an item that has not expired stands
// for an entry still held, since eviction removes its item as it goes.
func (sh *memShard) pruneDone(now int64) {
	live := sh.doneQ[:0]
	for _, it := range sh.doneQ[sh.doneAt:] {
		if it.exp > now {
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
