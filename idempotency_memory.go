package webhook

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"strconv"
	"sync/atomic"
	"time"
)

// DefaultMaxEntries is the default bound of a [MemoryStore]: about 1 million
// keys and replay keys together, some 100-200 MB at worst.
const DefaultMaxEntries = 1 << 20

// memShards is the most shards a MemoryStore uses; a power of two.
const memShards = 64

// MemoryStoreOptions configures a [MemoryStore]. The zero value gives the
// defaults; a nil *MemoryStoreOptions is the same as the zero value. The
// options are copied by [NewMemoryStore]: later changes have no effect.
type MemoryStoreOptions struct {
	// MaxEntries bounds how many keys and replay keys the store holds at
	// once, expired or not. When a new entry finds no room, the store
	//
	//  1. drops expired entries;
	//  2. then evicts the completed keys that were completed first (counted
	//     by [MemoryStore.Evicted]): a duplicate of such a message would run
	//     again, a small risk for the oldest messages, where refusing would
	//     turn a full store into an outage for every new message;
	//  3. never evicts an in-flight claim (two deliveries would run at once)
	//     or a replay key (a captured request could be replayed): when those
	//     alone fill the store, Claim returns [ErrStoreFull], which the
	//     middleware answers with 503 and Retry-After so the sender retries.
	//
	// To never evict a completed key, size MaxEntries above the peak message
	// rate times the middleware's DoneTTL. Entries are spread over shards,
	// each holding an equal share, so eviction can start somewhat before the
	// total reaches MaxEntries.
	// Default: [DefaultMaxEntries]. Negative values are an error.
	MaxEntries int

	// Now returns the current time; expiries are measured with it.
	// Default: time.Now.
	Now func() time.Time
}

// MemoryStore is the in-process [Store]: the default for a consumer that runs
// as a single process. Use a shared store (Redis) when several replicas
// receive the same webhooks.
//
// It is sharded for concurrency and bounded in entries (see
// [MemoryStoreOptions.MaxEntries]). Entries expire lazily: an expired entry is
// dropped when its key is used again, when a new entry takes its place, or by
// a sweep of its shard when the shard has doubled in size or is full, so a
// MemoryStore holds about twice its live entries at most, starts no goroutine
// and needs no Close.
//
// Build one with [NewMemoryStore]; the zero value is not usable. A
// MemoryStore is safe for concurrent use.
type MemoryStore struct {
	shards  []memShard
	mask    uint64
	seed    maphash.Seed
	prefix  string              // random, so tokens of another store never match
	idHash  func(string) uint64 // nil: maphash; tests set it to force collisions
	rkHash  func(string) uint64 // the same for replay keys
	now     func() time.Time    // nil: the real clock, read monotonic only
	start   time.Time
	evicted atomic.Uint64
}

// NewMemoryStore returns an empty MemoryStore configured by opts (nil for the
// defaults). It returns an error for a negative MaxEntries.
func NewMemoryStore(opts *MemoryStoreOptions) (*MemoryStore, error) {
	var o MemoryStoreOptions
	if opts != nil {
		o = *opts
	}
	if o.MaxEntries < 0 {
		return nil, errors.New("webhook: negative MaxEntries")
	}
	if o.MaxEntries == 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	n := memShards
	for n > 1 && o.MaxEntries/n < 64 {
		n /= 2
	}
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, fmt.Errorf("webhook: reading random token prefix: %w", err)
	}
	s := &MemoryStore{
		shards: make([]memShard, n),
		mask:   uint64(n - 1),
		seed:   maphash.MakeSeed(),
		prefix: hex.EncodeToString(rnd[:]),
		now:    o.Now,
		start:  time.Now(),
	}
	if o.Now != nil {
		s.start = o.Now()
	}
	for i := range s.shards {
		s.shards[i].ids.withEnts = true
		s.shards[i].long = make(map[uint64][]longEntry)
		s.shards[i].minExp = math.MaxInt64
		s.shards[i].limit = (o.MaxEntries + n - 1) / n
		s.shards[i].sweepAt = min(minSweep, s.shards[i].limit)
	}
	return s, nil
}

// Claim implements [Store.Claim]. Besides ctx.Err() it returns
// [ErrStoreFull] when a new key or replay key finds no room (see
// [MemoryStoreOptions.MaxEntries]); then nothing was recorded.
func (s *MemoryStore) Claim(ctx context.Context, req ClaimRequest) (ClaimResult, error) {
	if err := ctx.Err(); err != nil {
		return ClaimResult{}, err
	}
	now := s.clock()
	var rsh *memShard
	var rh uint64
	if req.ReplayKey != "" {
		// Replay keys are kept as 64-bit hashes: a collision, about one in
		// 2^64 per pair, only answers Replayed to a genuine request, which
		// its sender retries with a new signature.
		rh = maphash.String(s.seed, req.ReplayKey)
		if s.rkHash != nil {
			rh = s.rkHash(req.ReplayKey)
		}
		rsh = &s.shards[rh&s.mask]
		rsh.mu.Lock()
		if i := rsh.replays.findTag(tagOf(rh)); i >= 0 && rsh.replays.slots[i].exp > now {
			rsh.mu.Unlock()
			return ClaimResult{Status: Replayed}, nil
		} else if i < 0 && !rsh.room(now, &s.evicted) {
			rsh.mu.Unlock()
			return ClaimResult{}, ErrStoreFull
		}
		exp := expiry(now, req.ReplayTTL)
		rsh.addReplay(rh, exp, now)
		rsh.noteExp(exp)
		rsh.mu.Unlock()
	}
	if req.Key == "" {
		return ClaimResult{Status: Claimed}, nil
	}
	h := s.hash(req.Key)
	sh := &s.shards[h&s.mask]
	sh.mu.Lock()
	r := sh.find(req.Key, h)
	if r.where != absent && r.st.exp > now {
		fp := sh.fingerprint(r)
		sh.mu.Unlock()
		if r.st.done {
			return ClaimResult{Status: Done, Fingerprint: fp}, nil
		}
		return ClaimResult{Status: InFlight, Fingerprint: fp, RetryAfter: time.Duration(r.st.exp - now)}, nil
	}
	if r.where == absent && !sh.room(now, &s.evicted) {
		sh.mu.Unlock()
		if rsh != nil { // undo, so that nothing was recorded
			rsh.mu.Lock()
			if i := rsh.replays.findTag(tagOf(rh)); i >= 0 {
				rsh.replays.del(i)
			}
			rsh.mu.Unlock()
		}
		return ClaimResult{}, ErrStoreFull
	}
	if r.where != absent { // expired: claimed anew, with this claim's fingerprint
		sh.remove(r)
	}
	sh.next++
	tok := sh.next<<6 | h&s.mask // unique in the store: shards are at most 64
	st := memState{exp: expiry(now, req.TTL), tok: tok}
	sh.add(req.Key, h, st, req.Fingerprint, now)
	sh.noteExp(st.exp)
	sh.mu.Unlock()
	return ClaimResult{Status: Claimed, Token: s.token(tok)}, nil
}

// Complete implements [Store.Complete].
func (s *MemoryStore) Complete(ctx context.Context, key, token string, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := s.clock()
	h := s.hash(key)
	sh := &s.shards[h&s.mask]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	r, ok := sh.owned(key, h, s.tokenNumber(token), now)
	if !ok {
		return ErrClaimLost
	}
	st := memState{done: true, exp: expiry(now, ttl)}
	sh.set(r, st)
	sh.noteExp(st.exp)
	sh.noteDone(h, st.exp, now)
	return nil
}

// Release implements [Store.Release].
func (s *MemoryStore) Release(ctx context.Context, key, token string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := s.clock()
	h := s.hash(key)
	sh := &s.shards[h&s.mask]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	r, ok := sh.owned(key, h, s.tokenNumber(token), now)
	if !ok {
		return ErrClaimLost
	}
	sh.remove(r)
	return nil
}

// Extend implements [Store.Extend].
func (s *MemoryStore) Extend(ctx context.Context, key, token string, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := s.clock()
	h := s.hash(key)
	sh := &s.shards[h&s.mask]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	r, ok := sh.owned(key, h, s.tokenNumber(token), now)
	if !ok {
		return ErrClaimLost
	}
	st := r.st
	st.exp = expiry(now, ttl)
	sh.set(r, st)
	sh.noteExp(st.exp)
	return nil
}

// Evicted returns how many completed keys were evicted, before their TTL,
// to make room for new entries. A growing count means MaxEntries is too small
// for the message rate and DoneTTL.
func (s *MemoryStore) Evicted() uint64 { return s.evicted.Load() }

// Len returns the number of keys and replay keys held, including expired
// ones not yet dropped. It is meant for metrics and takes every shard's lock
// in turn.
func (s *MemoryStore) Len() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += sh.size()
		sh.mu.Unlock()
	}
	return n
}

// clock returns the time since the store's start. With the real clock it
// reads only the monotonic clock, which costs about half of time.Now and
// gives the same difference.
func (s *MemoryStore) clock() int64 {
	if s.now == nil {
		return int64(time.Since(s.start))
	}
	return int64(s.now().Sub(s.start))
}

// hash returns the 64-bit hash of an id: its shard and its key in the
// shard's map.
func (s *MemoryStore) hash(key string) uint64 {
	if s.idHash != nil {
		return s.idHash(key)
	}
	return maphash.String(s.seed, key)
}

// token returns the token of claim number tok: the store's random prefix
// and the number.
func (s *MemoryStore) token(tok uint64) string {
	var buf [32]byte
	b := append(buf[:0], s.prefix...)
	b = strconv.AppendUint(b, tok, 36)
	return string(b)
}

// tokenNumber returns the claim number of a token of this store, or 0.
func (s *MemoryStore) tokenNumber(token string) uint64 {
	if len(token) <= len(s.prefix) || token[:len(s.prefix)] != s.prefix {
		return 0
	}
	rest := token[len(s.prefix):]
	n, err := strconv.ParseUint(rest, 36, 64)
	if err != nil {
		return 0
	}
	// Only the spelling this store issues: ParseUint also takes upper
	// case and leading zeros.
	var buf [16]byte
	if string(strconv.AppendUint(buf[:0], n, 36)) != rest {
		return 0
	}
	return n
}
