package webhook

import (
	"context"
	"errors"
	"hash/crc32"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMemoryStoreReusedKeys completes the same few keys over and over, each
// after the previous completion expired, so no new key ever triggers a
// sweep, and checks that the eviction queue stays small.
func TestMemoryStoreReusedKeys(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	s, err := NewMemoryStore(&MemoryStoreOptions{MaxEntries: 64, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 100_000 {
		key := "k" + strconv.Itoa(i%8)
		res, err := s.Claim(ctx, ClaimRequest{Key: key, TTL: time.Minute})
		if err != nil || res.Status != Claimed {
			t.Fatalf("claim %d: %v %v", i, res.Status, err)
		}
		if err := s.Complete(ctx, key, res.Token, time.Second); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Second / 4)
	}
	if n := s.Len(); n > 8 {
		t.Errorf("Len %d, want at most 8", n)
	}
	for i := range s.shards {
		if q := len(s.shards[i].doneQ); q > 2*8+minSweep+1 {
			t.Errorf("shard %d: eviction queue of %d items for at most 8 keys", i, q)
		}
	}
}

// checkShards fails t unless every shard's tables and long chains agree
// with one another: each table's count and load, every used slot reachable
// from its home without crossing an empty one, every id held once, in the
// place its lengths call for, under its own hash.
func checkShards(t *testing.T, s *MemoryStore) {
	t.Helper()
	for si := range s.shards {
		sh := &s.shards[si]
		seen := map[string]bool{}
		for _, tb := range []*memTable{&sh.ids, &sh.replays} {
			used := 0
			for i, sl := range tb.slots {
				if sl.tag == 0 {
					if tb.ents != nil && tb.ents[i] != (memEntry{}) {
						t.Fatalf("shard %d: empty slot %d keeps an entry", si, i)
					}
					continue
				}
				used++
				for j := tb.home(sl.tag); j != i; j = tb.next(j) {
					if tb.slots[j].tag == 0 {
						t.Fatalf("shard %d: slot %d unreachable from its home %d", si, i, tb.home(sl.tag))
					}
				}
				if tb.ents == nil {
					continue
				}
				e := &tb.ents[i]
				key := string(e.key[:e.klen])
				if e.klen == 0 || tagOf(s.hash(key)) != sl.tag || uint64(si) != s.hash(key)&s.mask {
					t.Fatalf("shard %d: slot %d holds %q, not of its tag", si, i, key)
				}
				if seen[key] {
					t.Fatalf("shard %d: %q held twice", si, key)
				}
				seen[key] = true
			}
			if used != tb.n || 4*tb.n > 3*len(tb.slots) {
				t.Fatalf("shard %d: %d slots used, n %d, of %d", si, used, tb.n, len(tb.slots))
			}
			if len(tb.slots) > sh.maxSlots() {
				t.Fatalf("shard %d: %d slots, more than %d", si, len(tb.slots), sh.maxSlots())
			}
		}
		n := 0
		for h, c := range sh.long {
			if len(c) == 0 {
				t.Fatalf("shard %d: empty chain at %d", si, h)
			}
			for _, le := range c {
				if s.hash(le.key) != h {
					t.Fatalf("shard %d: %q chained at the wrong hash", si, le.key)
				}
				if len(le.key) <= inlineKey && len(le.fp) <= inlineFP {
					t.Fatalf("shard %d: %q (fingerprint %q) fits inline but is chained", si, le.key, le.fp)
				}
				if seen[le.key] {
					t.Fatalf("shard %d: %q held twice", si, le.key)
				}
				seen[le.key] = true
			}
			n += len(c)
		}
		if n != sh.nlong {
			t.Fatalf("shard %d: nlong %d, chains hold %d", si, sh.nlong, n)
		}
		if sh.size() > sh.limit {
			t.Fatalf("shard %d: %d entries, limit %d", si, sh.size(), sh.limit)
		}
	}
}

// TestMemoryStoreRandomOps runs random operations on a few ids that share
// few hashes, some too long to be held inline, in a store small enough to
// sweep and evict, and checks the shards' consistency after each, and that
// a claim's token works exactly until the key is completed, released,
// expired or evicted.
func TestMemoryStoreRandomOps(t *testing.T) {
	t.Parallel()
	for _, maxEntries := range []int{16, 300, 1 << 20} {
		t.Run(strconv.Itoa(maxEntries), func(t *testing.T) {
			t.Parallel()
			now := time.Unix(1_700_000_000, 0)
			s, err := NewMemoryStore(&MemoryStoreOptions{MaxEntries: maxEntries, Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			s.idHash = func(k string) uint64 { return uint64(len(k) % 5) }
			rng := rand.New(rand.NewPCG(uint64(maxEntries), 15))
			keys := make([]string, 40)
			for i := range keys {
				keys[i] = strings.Repeat("k", 1+i%7) + strconv.Itoa(i)
				if i%9 == 0 {
					keys[i] += strings.Repeat("-", inlineKey)
				}
			}
			tokens := map[string]string{} // key -> token of the claim we hold
			ctx := context.Background()
			for op := range 50_000 {
				key := keys[rng.IntN(len(keys))]
				switch rng.IntN(6) {
				case 0, 1:
					res, err := s.Claim(ctx, ClaimRequest{Key: key, Fingerprint: strings.Repeat("f", rng.IntN(30)), TTL: time.Duration(1+rng.IntN(4)) * time.Second})
					if err == nil && res.Status == Claimed {
						tokens[key] = res.Token
					}
				case 2:
					if tok, ok := tokens[key]; ok {
						delete(tokens, key)
						err := s.Complete(ctx, key, tok, time.Duration(1+rng.IntN(8))*time.Second)
						if err != nil && !errors.Is(err, ErrClaimLost) {
							t.Fatal(err)
						}
					}
				case 3:
					if tok, ok := tokens[key]; ok {
						delete(tokens, key)
						if err := s.Release(ctx, key, tok); err != nil && !errors.Is(err, ErrClaimLost) {
							t.Fatal(err)
						}
					}
				case 4:
					if tok, ok := tokens[key]; ok {
						if err := s.Extend(ctx, key, tok, time.Second); errors.Is(err, ErrClaimLost) {
							delete(tokens, key)
						}
					}
				case 5:
					now = now.Add(time.Duration(rng.IntN(500)) * time.Millisecond)
				}
				checkShards(t, s)
				// A held claim still answers InFlight, unless it expired
				// (a claim is never evicted).
				if tok, ok := tokens[key]; ok {
					if err := s.Extend(ctx, key, tok, time.Second); err != nil {
						if !errors.Is(err, ErrClaimLost) {
							t.Fatalf("op %d: Extend: %v", op, err)
						}
						delete(tokens, key)
					} else {
						res, err := s.Claim(ctx, ClaimRequest{Key: key, TTL: time.Second})
						if err != nil || res.Status != InFlight {
							t.Fatalf("op %d: %q held but Claim says %v %v", op, key, res.Status, err)
						}
					}
				}
			}
		})
	}
}

// TestMemoryStoreModel runs random operations on 2,000 ids in one shard,
// under a weak hash (many ids share one, and the rest crowd few homes) and
// some ids or fingerprints too long to be held inline, with replay keys
// beside them (as weakly hashed: a replay key's hash stands for it), and compares every answer with a plain model of the
// contract. The store is large enough never to evict, so the model is
// exact; the sweeps, growth and backward shifts of its tables all run.
func TestMemoryStoreModel(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	s, err := NewMemoryStore(&MemoryStoreOptions{MaxEntries: 1 << 20, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	s.idHash = func(k string) uint64 { return uint64(crc32.ChecksumIEEE([]byte(k))%512) << 6 } // shard 0
	s.rkHash = func(k string) uint64 { return uint64(crc32.ChecksumIEEE([]byte(k))%4096) << 6 }
	type state struct {
		exp      time.Time
		done     bool
		tok, fp  string
		oldToken string // a token of an earlier claim of the key
	}
	model := map[string]*state{}
	replays := map[uint64]time.Time{} // by hash: a hash stands for its keys
	rng := rand.New(rand.NewPCG(15, 2))
	keys := make([]string, 2000)
	for i := range keys {
		keys[i] = "msg_" + strconv.Itoa(i)
		if i%50 == 0 {
			keys[i] += strings.Repeat("-", inlineKey)
		}
	}
	ctx := context.Background()
	live := func(key string) *state {
		if st := model[key]; st != nil && st.exp.After(now) {
			return st
		}
		return nil
	}
	for op := range 40_000 {
		key := keys[rng.IntN(len(keys))]
		switch rng.IntN(8) {
		case 0, 1, 2:
			req := ClaimRequest{Key: key, Fingerprint: strings.Repeat("f", rng.IntN(30)), TTL: time.Duration(1+rng.IntN(4)) * time.Second}
			if rng.IntN(2) == 0 {
				req.ReplayKey, req.ReplayTTL = "sig_"+strconv.Itoa(rng.IntN(3000)), time.Duration(1+rng.IntN(4))*time.Second
			}
			res, err := s.Claim(ctx, req)
			if err != nil {
				t.Fatalf("op %d: Claim: %v", op, err)
			}
			if exp, ok := replays[s.rkHash(req.ReplayKey)]; req.ReplayKey != "" && ok && exp.After(now) {
				if res.Status != Replayed {
					t.Fatalf("op %d: replay of %q answered %v", op, req.ReplayKey, res.Status)
				}
				continue
			}
			if req.ReplayKey != "" {
				replays[s.rkHash(req.ReplayKey)] = now.Add(req.ReplayTTL)
			}
			want, wantFP := Claimed, ""
			if st := live(key); st != nil {
				want, wantFP = InFlight, st.fp
				if st.done {
					want = Done
				}
			}
			if res.Status != want || res.Fingerprint != wantFP {
				t.Fatalf("op %d: Claim %q: %v %q, want %v %q", op, key, res.Status, res.Fingerprint, want, wantFP)
			}
			if want == Claimed {
				old := ""
				if st := model[key]; st != nil {
					old = st.tok
				}
				model[key] = &state{exp: now.Add(req.TTL), tok: res.Token, fp: req.Fingerprint, oldToken: old}
			}
		case 3, 4, 5:
			st := model[key]
			if st == nil {
				continue
			}
			tok, valid := st.tok, live(key) != nil && !st.done
			if rng.IntN(4) == 0 && st.oldToken != "" {
				tok, valid = st.oldToken, false
			}
			ttl := time.Duration(1+rng.IntN(8)) * time.Second
			var err error
			switch rng.IntN(3) {
			case 0:
				if err = s.Complete(ctx, key, tok, ttl); err == nil {
					st.done, st.exp = true, now.Add(ttl)
				}
			case 1:
				if err = s.Release(ctx, key, tok); err == nil {
					delete(model, key)
				}
			case 2:
				if err = s.Extend(ctx, key, tok, ttl); err == nil {
					st.exp = now.Add(ttl)
				}
			}
			if valid != (err == nil) || err != nil && !errors.Is(err, ErrClaimLost) {
				t.Fatalf("op %d: on %q (valid %v): %v", op, key, valid, err)
			}
		default:
			now = now.Add(time.Duration(rng.IntN(200)) * time.Millisecond)
		}
		if op%100 == 0 {
			checkShards(t, s)
		}
	}
	checkShards(t, s)
	if s.Evicted() != 0 {
		t.Fatalf("%d evicted", s.Evicted())
	}
}
