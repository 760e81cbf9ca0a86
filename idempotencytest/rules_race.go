package idempotencytest

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signedhooks/webhook"
)

// race runs fn in racers goroutines released at once and returns their
// results in order, failing the test on any error.
func race(t *testing.T, fn func(i int) (webhook.ClaimResult, error)) []webhook.ClaimResult {
	t.Helper()
	results := make([]webhook.ClaimResult, racers)
	errs := make([]error, racers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent Claim: %v", err)
	}
	return results
}

// Of many concurrent claims of one key exactly one wins; the others are
// InFlight and see the winner's fingerprint.
func concurrentClaims(t *testing.T, c *checker) {
	k := c.key("k")
	res := race(t, func(i int) (webhook.ClaimResult, error) {
		return c.s.Claim(context.Background(), webhook.ClaimRequest{Key: k, Fingerprint: "fp" + strconv.Itoa(i), TTL: longTTL})
	})
	winner := -1
	for i, r := range res {
		if r.Status == webhook.Claimed {
			if winner >= 0 {
				t.Fatalf("claims %d and %d both won", winner, i)
			}
			winner = i
		}
	}
	if winner < 0 {
		t.Fatal("no concurrent claim won")
	}
	for i, r := range res {
		if i != winner && (r.Status != webhook.InFlight || r.Fingerprint != "fp"+strconv.Itoa(winner)) {
			t.Fatalf("losing claim %d: status %v fingerprint %q, want %v with fp%d", i, r.Status, r.Fingerprint, webhook.InFlight, winner)
		}
	}
}

// Of many concurrent claims with one replay key exactly one is not Replayed,
// and only its key is claimed.
func concurrentReplays(t *testing.T, c *checker) {
	r := c.key("r")
	res := race(t, func(i int) (webhook.ClaimResult, error) {
		return c.s.Claim(context.Background(), webhook.ClaimRequest{
			Key: c.key("k" + strconv.Itoa(i)), Fingerprint: "fp", TTL: longTTL,
			ReplayKey: r, ReplayTTL: longTTL,
		})
	})
	winner := -1
	for i, r := range res {
		if r.Status != webhook.Replayed {
			if winner >= 0 {
				t.Fatalf("claims %d and %d both passed the replay guard", winner, i)
			}
			winner = i
		}
	}
	if winner < 0 {
		t.Fatal("every concurrent claim was Replayed")
	}
	for i := range res {
		st := c.claimKey(c.key("k"+strconv.Itoa(i)), "fp", longTTL).Status
		if want := webhook.Claimed; i == winner {
			want = webhook.InFlight
			if st != want {
				t.Fatalf("key of the winning claim: status %v, want %v", st, want)
			}
		} else if st != want {
			t.Fatalf("key of replayed claim %d: status %v, want %v", i, st, want)
		}
	}
}

// Goroutines that repeatedly claim and release one key never hold it at the
// same time.
func mutualExclusion(t *testing.T, c *checker) {
	const workers, rounds = 8, 100
	k := c.key("k")
	var holders, overlaps, wins atomic.Int64
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				res, err := c.s.Claim(context.Background(), webhook.ClaimRequest{Key: k, Fingerprint: strconv.Itoa(w), TTL: longTTL})
				if err != nil {
					errs <- err
					return
				}
				if res.Status != webhook.Claimed {
					continue
				}
				wins.Add(1)
				if holders.Add(1) > 1 {
					overlaps.Add(1)
				}
				runtime.Gosched() // widen the window in which an overlap shows
				holders.Add(-1)
				if err := c.s.Release(context.Background(), k, res.Token); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("claim/release loop: %v", err)
	}
	if n := overlaps.Load(); n > 0 {
		t.Fatalf("two goroutines held the key at once, %d times", n)
	}
	if wins.Load() == 0 {
		t.Fatal("no goroutine ever claimed the key")
	}
}

// Every method returns an error matching context.Canceled when its context
// is already canceled.
func canceledContext(t *testing.T, c *checker) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	checkCtxErr(t, c, ctx, context.Canceled)
}

// Every method returns an error matching context.DeadlineExceeded when its
// deadline has passed.
func expiredDeadline(t *testing.T, c *checker) {
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	checkCtxErr(t, c, ctx, context.DeadlineExceeded)
}

func checkCtxErr(t *testing.T, c *checker, ctx context.Context, want error) {
	t.Helper()
	k := c.key("k")
	tok := c.mustClaim(k, "fp", longTTL)
	if _, err := c.s.Claim(ctx, webhook.ClaimRequest{Key: c.key("other"), TTL: longTTL}); !errors.Is(err, want) {
		t.Fatalf("Claim: error %v, want %v", err, want)
	}
	if err := c.s.Extend(ctx, k, tok, longTTL); !errors.Is(err, want) {
		t.Fatalf("Extend: error %v, want %v", err, want)
	}
	if err := c.s.Complete(ctx, k, tok, longTTL); !errors.Is(err, want) {
		t.Fatalf("Complete: error %v, want %v", err, want)
	}
	if err := c.s.Release(ctx, k, tok); !errors.Is(err, want) {
		t.Fatalf("Release: error %v, want %v", err, want)
	}
}
