package webhook

import (
	"context"
	"strconv"
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
