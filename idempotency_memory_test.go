package webhook_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/idempotencytest"
)

func TestMemoryStoreConformance(t *testing.T) {
	t.Parallel()
	idempotencytest.Run(t, func(t *testing.T) webhook.Store {
		s, err := webhook.NewMemoryStore(nil)
		require.NoError(t, err)
		return s
	})
}

func TestMemoryStoreConformanceSmall(t *testing.T) {
	t.Parallel()
	// A bound small enough to leave a single shard still passes every rule.
	idempotencytest.Run(t, func(t *testing.T) webhook.Store {
		s, err := webhook.NewMemoryStore(&webhook.MemoryStoreOptions{MaxEntries: 200})
		require.NoError(t, err)
		return s
	})
}

func TestNewMemoryStoreOptions(t *testing.T) {
	t.Parallel()
	_, err := webhook.NewMemoryStore(&webhook.MemoryStoreOptions{MaxEntries: -1})
	require.Error(t, err)

	opts := &webhook.MemoryStoreOptions{MaxEntries: 1}
	s, err := webhook.NewMemoryStore(opts)
	require.NoError(t, err)
	opts.MaxEntries = 1000 // copied at construction: no effect
	ctx := context.Background()
	_, err = s.Claim(ctx, webhook.ClaimRequest{Key: "a", TTL: time.Minute})
	require.NoError(t, err)
	_, err = s.Claim(ctx, webhook.ClaimRequest{Key: "b", TTL: time.Minute})
	require.ErrorIs(t, err, webhook.ErrStoreFull)
}

// fakeClock is a settable clock for one test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestMemoryStoreBound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const max = 50 // one shard: the bound is exact
	claim := func(s *webhook.MemoryStore, req webhook.ClaimRequest) (webhook.ClaimResult, error) {
		return s.Claim(ctx, req)
	}
	fill := func(t *testing.T, s *webhook.MemoryStore, ttl time.Duration) []string {
		toks := make([]string, max)
		for i := range max {
			res, err := claim(s, webhook.ClaimRequest{Key: "k" + strconv.Itoa(i), Fingerprint: "fp", TTL: ttl})
			require.NoError(t, err)
			require.Equal(t, webhook.Claimed, res.Status)
			toks[i] = res.Token
		}
		require.Equal(t, max, s.Len())
		return toks
	}
	newStore := func(t *testing.T) (*webhook.MemoryStore, *fakeClock) {
		clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
		s, err := webhook.NewMemoryStore(&webhook.MemoryStoreOptions{MaxEntries: max, Now: clk.Now})
		require.NoError(t, err)
		return s, clk
	}

	t.Run("full of claims refuses new keys", func(t *testing.T) {
		t.Parallel()
		s, _ := newStore(t)
		toks := fill(t, s, time.Minute)
		_, err := claim(s, webhook.ClaimRequest{Key: "new", TTL: time.Minute})
		require.ErrorIs(t, err, webhook.ErrStoreFull)
		_, err = claim(s, webhook.ClaimRequest{ReplayKey: "r", ReplayTTL: time.Minute})
		require.ErrorIs(t, err, webhook.ErrStoreFull)
		// Known keys still answer, and their owners can still finish.
		res, err := claim(s, webhook.ClaimRequest{Key: "k0", TTL: time.Minute})
		require.NoError(t, err)
		assert.Equal(t, webhook.InFlight, res.Status)
		require.NoError(t, s.Release(ctx, "k0", toks[0]))
		res, err = claim(s, webhook.ClaimRequest{Key: "new", TTL: time.Minute})
		require.NoError(t, err)
		assert.Equal(t, webhook.Claimed, res.Status, "a release makes room")
		assert.Zero(t, s.Evicted())
	})

	t.Run("full of completed keys evicts the oldest", func(t *testing.T) {
		t.Parallel()
		s, clk := newStore(t)
		toks := fill(t, s, time.Minute)
		for i, tok := range toks {
			clk.Add(time.Millisecond) // complete in order k0, k1, ...
			require.NoError(t, s.Complete(ctx, "k"+strconv.Itoa(i), tok, time.Hour))
		}
		for i := range 3 {
			res, err := claim(s, webhook.ClaimRequest{Key: "new" + strconv.Itoa(i), TTL: time.Minute})
			require.NoError(t, err)
			assert.Equal(t, webhook.Claimed, res.Status)
		}
		assert.Equal(t, uint64(3), s.Evicted())
		assert.Equal(t, max, s.Len())
		for i := 3; i < max; i++ {
			res, err := claim(s, webhook.ClaimRequest{Key: "k" + strconv.Itoa(i), TTL: time.Minute})
			require.NoError(t, err)
			assert.Equal(t, webhook.Done, res.Status, "k%d is newer than the evicted", i)
		}
		res, err := claim(s, webhook.ClaimRequest{Key: "k0", TTL: time.Minute})
		require.NoError(t, err)
		assert.Equal(t, webhook.Claimed, res.Status, "k0 was the first completed")
		assert.Equal(t, uint64(4), s.Evicted(), "claiming k0 again evicted k3")
	})

	t.Run("claims and replay keys are never evicted", func(t *testing.T) {
		t.Parallel()
		s, _ := newStore(t)
		toks := fill(t, s, time.Minute)
		require.NoError(t, s.Complete(ctx, "k0", toks[0], time.Hour))
		require.NoError(t, s.Release(ctx, "k1", toks[1]))
		_, err := claim(s, webhook.ClaimRequest{ReplayKey: "r", ReplayTTL: time.Minute})
		require.NoError(t, err)
		_, err = claim(s, webhook.ClaimRequest{Key: "new", TTL: time.Minute})
		require.NoError(t, err, "evicts k0, the only completed key")
		_, err = claim(s, webhook.ClaimRequest{Key: "newer", TTL: time.Minute})
		require.ErrorIs(t, err, webhook.ErrStoreFull)
		res, err := claim(s, webhook.ClaimRequest{ReplayKey: "r", ReplayTTL: time.Minute})
		require.NoError(t, err)
		assert.Equal(t, webhook.Replayed, res.Status)
		for i := 2; i < max; i++ {
			res, err := claim(s, webhook.ClaimRequest{Key: "k" + strconv.Itoa(i), TTL: time.Minute})
			require.NoError(t, err)
			assert.Equal(t, webhook.InFlight, res.Status)
		}
		assert.Equal(t, uint64(1), s.Evicted())
	})

	t.Run("re-claimed keys leave stale queue items", func(t *testing.T) {
		t.Parallel()
		s, clk := newStore(t)
		toks := fill(t, s, time.Minute)
		require.NoError(t, s.Complete(ctx, "k0", toks[0], time.Second))
		require.NoError(t, s.Complete(ctx, "k1", toks[1], time.Hour))
		clk.Add(2 * time.Second) // k0 expires; its claim is then taken again
		res, err := claim(s, webhook.ClaimRequest{Key: "k0", TTL: time.Hour})
		require.NoError(t, err)
		require.Equal(t, webhook.Claimed, res.Status)
		_, err = claim(s, webhook.ClaimRequest{Key: "new", TTL: time.Minute})
		require.NoError(t, err)
		res, err = claim(s, webhook.ClaimRequest{Key: "k0", TTL: time.Minute})
		require.NoError(t, err)
		assert.Equal(t, webhook.InFlight, res.Status, "the live claim on k0 was not evicted")
		assert.Equal(t, uint64(1), s.Evicted())
		require.NoError(t, s.Release(ctx, "k2", toks[2]))
		res, err = claim(s, webhook.ClaimRequest{Key: "k1", TTL: time.Minute})
		require.NoError(t, err)
		assert.Equal(t, webhook.Claimed, res.Status, "k1 was evicted instead")
	})

	t.Run("expired entries make room", func(t *testing.T) {
		t.Parallel()
		s, clk := newStore(t)
		fill(t, s, time.Minute)
		clk.Add(time.Minute)
		res, err := claim(s, webhook.ClaimRequest{Key: "new", TTL: time.Minute})
		require.NoError(t, err)
		assert.Equal(t, webhook.Claimed, res.Status)
		assert.Equal(t, 1, s.Len(), "the full shard was swept")
	})

	t.Run("a refused claim records no replay key", func(t *testing.T) {
		t.Parallel()
		clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
		s, err := webhook.NewMemoryStore(&webhook.MemoryStoreOptions{MaxEntries: 2, Now: clk.Now})
		require.NoError(t, err)
		_, err = claim(s, webhook.ClaimRequest{Key: "a", TTL: time.Minute})
		require.NoError(t, err)
		_, err = claim(s, webhook.ClaimRequest{Key: "b", TTL: time.Minute, ReplayKey: "r", ReplayTTL: time.Minute})
		require.ErrorIs(t, err, webhook.ErrStoreFull)
		assert.Equal(t, 1, s.Len())
		clk.Add(time.Minute)
		res, err := claim(s, webhook.ClaimRequest{Key: "b", TTL: time.Minute, ReplayKey: "r", ReplayTTL: time.Minute})
		require.NoError(t, err)
		assert.Equal(t, webhook.Claimed, res.Status, "the retry is not mistaken for a replay")
	})

	t.Run("expiry is measured with Now", func(t *testing.T) {
		t.Parallel()
		s, clk := newStore(t)
		res, err := claim(s, webhook.ClaimRequest{Key: "k", TTL: time.Minute})
		require.NoError(t, err)
		clk.Add(59 * time.Second)
		got, err := claim(s, webhook.ClaimRequest{Key: "k", TTL: time.Minute})
		require.NoError(t, err)
		assert.Equal(t, webhook.InFlight, got.Status)
		assert.Equal(t, time.Second, got.RetryAfter)
		clk.Add(time.Second)
		require.ErrorIs(t, s.Complete(ctx, "k", res.Token, time.Hour), webhook.ErrClaimLost)
		got, err = claim(s, webhook.ClaimRequest{Key: "k", TTL: time.Minute})
		require.NoError(t, err)
		assert.Equal(t, webhook.Claimed, got.Status)
	})

	t.Run("tokens of another store never match", func(t *testing.T) {
		t.Parallel()
		a, _ := newStore(t)
		b, _ := newStore(t)
		ra, err := claim(a, webhook.ClaimRequest{Key: "k", TTL: time.Minute})
		require.NoError(t, err)
		_, err = claim(b, webhook.ClaimRequest{Key: "k", TTL: time.Minute})
		require.NoError(t, err)
		require.ErrorIs(t, b.Complete(ctx, "k", ra.Token, time.Hour), webhook.ErrClaimLost)
	})
}

// TestMemoryStoreExtend checks Extend's arithmetic on a fake clock: the
// claim expires ttl after the Extend, not after the Claim.
func TestMemoryStoreExtend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	s, err := webhook.NewMemoryStore(&webhook.MemoryStoreOptions{Now: clock.Now})
	require.NoError(t, err)
	res, err := s.Claim(ctx, webhook.ClaimRequest{Key: "k", TTL: time.Minute})
	require.NoError(t, err)
	require.Equal(t, webhook.Claimed, res.Status)

	clock.Add(50 * time.Second)
	require.NoError(t, s.Extend(ctx, "k", res.Token, time.Minute))
	clock.Add(50 * time.Second) // 100 s after the claim, 50 s after the Extend
	got, err := s.Claim(ctx, webhook.ClaimRequest{Key: "k", TTL: time.Minute})
	require.NoError(t, err)
	assert.Equal(t, webhook.InFlight, got.Status)
	assert.Equal(t, 10*time.Second, got.RetryAfter)

	clock.Add(10 * time.Second) // the extended claim's end
	require.ErrorIs(t, s.Extend(ctx, "k", res.Token, time.Minute), webhook.ErrClaimLost)
	got, err = s.Claim(ctx, webhook.ClaimRequest{Key: "k", TTL: time.Minute})
	require.NoError(t, err)
	assert.Equal(t, webhook.Claimed, got.Status)
}

// TestMemoryStoreConformanceCollisions runs the contract on stores whose
// ids all share a few hashes, so that every rule meets ids held outside
// the inline map, chained behind another id of the same hash.
func TestMemoryStoreConformanceCollisions(t *testing.T) {
	t.Parallel()
	for name, hash := range map[string]func(string) uint64{
		"one hash":     func(string) uint64 { return 42 },
		"by length":    func(k string) uint64 { return uint64(len(k)) },
		"by last byte": func(k string) uint64 { return uint64(k[len(k)-1]) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			idempotencytest.Run(t, func(t *testing.T) webhook.Store {
				s, err := webhook.NewMemoryStoreHashing(nil, hash)
				require.NoError(t, err)
				return s
			})
		})
	}
}

// TestMemoryStoreLongAndColliding checks each way an entry can be held:
// inline, with an id or a fingerprint too long for that, or behind another
// id of the same hash; and that each of them claims, reports its
// fingerprint, completes, releases and expires on its own.
func TestMemoryStoreLongAndColliding(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 41)
	tests := []struct {
		name string
		key  string
		fp   string
	}{
		{"inline", "msg_2bv0kq8rz3xy6wp0000000000", "4096-8f3a2b1c"},
		{"longest inline", strings.Repeat("k", 40), strings.Repeat("f", 24)},
		{"long id", "id-" + long, "fp"},
		{"long fingerprint", "id", "fp-" + long},
		{"empty fingerprint", "id2", ""},
	}
	for _, collide := range []bool{false, true} {
		for _, tc := range tests {
			t.Run(fmt.Sprintf("%s/collide=%v", tc.name, collide), func(t *testing.T) {
				t.Parallel()
				now := time.Unix(1_700_000_000, 0)
				var mu sync.Mutex
				clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
				advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
				hash := func(k string) uint64 { return uint64(len(k)) } // neighbours collide with collide
				s, err := webhook.NewMemoryStoreHashing(&webhook.MemoryStoreOptions{Now: clock}, hash)
				require.NoError(t, err)
				ctx := context.Background()
				other := strings.Repeat("o", len(tc.key)) // same length, so the same hash
				if collide {
					res, err := s.Claim(ctx, webhook.ClaimRequest{Key: other, Fingerprint: "other", TTL: time.Hour})
					require.NoError(t, err)
					require.Equal(t, webhook.Claimed, res.Status)
				}
				res, err := s.Claim(ctx, webhook.ClaimRequest{Key: tc.key, Fingerprint: tc.fp, TTL: time.Minute})
				require.NoError(t, err)
				require.Equal(t, webhook.Claimed, res.Status)
				tok := res.Token

				res, err = s.Claim(ctx, webhook.ClaimRequest{Key: tc.key, Fingerprint: "again", TTL: time.Minute})
				require.NoError(t, err)
				assert.Equal(t, webhook.InFlight, res.Status)
				assert.Equal(t, tc.fp, res.Fingerprint)
				assert.ErrorIs(t, s.Complete(ctx, tc.key, tok+"0", time.Hour), webhook.ErrClaimLost)
				assert.ErrorIs(t, s.Complete(ctx, tc.key, strings.ToUpper(tok), time.Hour), webhook.ErrClaimLost)
				require.NoError(t, s.Extend(ctx, tc.key, tok, time.Minute))
				require.NoError(t, s.Complete(ctx, tc.key, tok, time.Hour))

				res, err = s.Claim(ctx, webhook.ClaimRequest{Key: tc.key, Fingerprint: "again", TTL: time.Minute})
				require.NoError(t, err)
				assert.Equal(t, webhook.Done, res.Status)
				assert.Equal(t, tc.fp, res.Fingerprint)
				if collide { // the other id is untouched
					res, err = s.Claim(ctx, webhook.ClaimRequest{Key: other, TTL: time.Minute})
					require.NoError(t, err)
					assert.Equal(t, webhook.InFlight, res.Status)
					assert.Equal(t, "other", res.Fingerprint)
				}

				advance(time.Hour + time.Second) // both expired
				res, err = s.Claim(ctx, webhook.ClaimRequest{Key: tc.key, Fingerprint: "new", TTL: time.Minute})
				require.NoError(t, err)
				require.Equal(t, webhook.Claimed, res.Status)
				require.NoError(t, s.Release(ctx, tc.key, res.Token))
				res, err = s.Claim(ctx, webhook.ClaimRequest{Key: tc.key, Fingerprint: "newer", TTL: time.Minute})
				require.NoError(t, err)
				assert.Equal(t, webhook.Claimed, res.Status)
				res, err = s.Claim(ctx, webhook.ClaimRequest{Key: tc.key, TTL: time.Minute})
				require.NoError(t, err)
				assert.Equal(t, "newer", res.Fingerprint)
			})
		}
	}
}

// TestMemoryStoreEvictsCollidingDone fills a store with completed ids that
// all share one hash, so that eviction must find them behind one another.
func TestMemoryStoreEvictsCollidingDone(t *testing.T) {
	t.Parallel()
	s, err := webhook.NewMemoryStoreHashing(&webhook.MemoryStoreOptions{MaxEntries: 64}, func(string) uint64 { return 7 })
	require.NoError(t, err)
	ctx := context.Background()
	for i := range 200 {
		key := "k" + strconv.Itoa(i)
		res, err := s.Claim(ctx, webhook.ClaimRequest{Key: key, TTL: time.Hour})
		require.NoError(t, err, "claim %d", i)
		require.Equal(t, webhook.Claimed, res.Status)
		require.NoError(t, s.Complete(ctx, key, res.Token, time.Hour))
	}
	assert.LessOrEqual(t, s.Len(), 64)
	assert.Equal(t, uint64(200-64), s.Evicted())
	// The newest are kept, the oldest evicted, in completion order.
	for i := 199; i >= 0; i-- {
		res, err := s.Claim(ctx, webhook.ClaimRequest{Key: "k" + strconv.Itoa(i), TTL: time.Hour})
		require.NoError(t, err)
		want := webhook.Done
		if i < 200-64 {
			want = webhook.Claimed
		}
		require.Equal(t, want, res.Status, "k%d", i)
		if i == 200-64-10 {
			break // each claim of an evicted id evicts a kept one
		}
	}
}
