package webhook

import (
	"context"
	"errors"
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

// checkShards fails t unless every shard's index, slab, free list and long
// chains agree with one another.
func checkShards(t *testing.T, s *MemoryStore) {
	t.Helper()
	for si := range s.shards {
		sh := &s.shards[si]
		used := 0
		for i := range sh.slab {
			e := &sh.slab[i]
			if !e.used {
				continue
			}
			used++
			if at, ok := sh.idx[e.h]; !ok || at != uint32(i) {
				t.Fatalf("shard %d: slab[%d] (hash %d) not indexed (idx has %d, %v)", si, i, e.h, at, ok)
			}
		}
		if used != len(sh.idx) {
			t.Fatalf("shard %d: %d slab entries in use, %d indexed", si, used, len(sh.idx))
		}
		if used+len(sh.free) != len(sh.slab) {
			t.Fatalf("shard %d: %d used + %d free != %d slots", si, used, len(sh.free), len(sh.slab))
		}
		for _, at := range sh.free {
			if sh.slab[at].used {
				t.Fatalf("shard %d: free slot %d in use", si, at)
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
			}
			n += len(c)
		}
		if n != sh.nlong {
			t.Fatalf("shard %d: nlong %d, chains hold %d", si, sh.nlong, n)
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
