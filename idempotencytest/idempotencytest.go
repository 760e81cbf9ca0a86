// Package idempotencytest checks implementations of [webhook.Store] against
// the contract written on that interface, in the spirit of testing/slogtest.
//
// A store's own tests call [Run]:
//
//	func TestStore(t *testing.T) {
//		idempotencytest.Run(t, func(t *testing.T) webhook.Store {
//			return mystore.New(...)
//		})
//	}
//
// The rules use short real TTLs (150 ms to 1 s) and wait for them to pass,
// so that stores whose expiry happens elsewhere (a Redis server) are checked
// too; a whole run takes a little over a second, its subtests in parallel.
package idempotencytest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/signedhooks/webhook"
)

const (
	// shortTTL is the TTL of claims and keys that a rule waits to expire. It
	// is long enough for a networked store to answer a few calls within it
	// and short enough to keep the suite fast.
	shortTTL = 150 * time.Millisecond
	// mediumTTL is the TTL of entries that a rule checks right after
	// writing them and then waits to expire: long enough that a stalled
	// machine or a slow round trip does not expire them before the check.
	mediumTTL = time.Second
	// longTTL is the TTL of claims and keys that must not expire during a rule.
	longTTL = time.Minute
	// waitFor bounds how long a rule waits for an expiry to show.
	waitFor = 5 * time.Second
	// poll is the interval between checks while waiting.
	poll = 10 * time.Millisecond
	// racers is the number of goroutines in the concurrency rules.
	racers = 64
)

// Run runs every rule of the [webhook.Store] contract as a named subtest of t.
// Each subtest calls newStore for its own store and runs in parallel with the
// others. Stores may share a backend (one Redis database): every key and
// replay key a rule uses is unique to the run, so runs do not interfere and
// leftovers expire within a minute.
func Run(t *testing.T, newStore func(t *testing.T) webhook.Store) {
	t.Helper()
	run := fmt.Sprintf("idempotencytest-%x", rand.Uint64())
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			if s == nil {
				t.Fatal("newStore returned nil")
			}
			r.fn(t, &checker{t: t, s: s, prefix: run + ":" + r.name + ":"})
		})
	}
}

// checker wraps a store under test with helpers that fail the test on an
// unexpected outcome.
type checker struct {
	t      *testing.T
	s      webhook.Store
	prefix string
}

// key returns a key unique to this run and rule.
func (c *checker) key(name string) string { return c.prefix + name }

func (c *checker) claim(req webhook.ClaimRequest) webhook.ClaimResult {
	c.t.Helper()
	res, err := c.s.Claim(context.Background(), req)
	if err != nil {
		c.t.Fatalf("Claim(%+v): unexpected error: %v", req, err)
	}
	return res
}

// claimKey claims key with fingerprint fp for ttl, without a replay key.
func (c *checker) claimKey(key, fp string, ttl time.Duration) webhook.ClaimResult {
	c.t.Helper()
	return c.claim(webhook.ClaimRequest{Key: key, Fingerprint: fp, TTL: ttl})
}

// mustClaim claims key and fails unless the result is Claimed with a token.
func (c *checker) mustClaim(key, fp string, ttl time.Duration) string {
	c.t.Helper()
	res := c.claimKey(key, fp, ttl)
	if res.Status != webhook.Claimed {
		c.t.Fatalf("Claim(%q): status %v, want %v", key, res.Status, webhook.Claimed)
	}
	if res.Token == "" {
		c.t.Fatalf("Claim(%q): Claimed with an empty token", key)
	}
	return res.Token
}

// wantStatus claims key and fails unless the status is want; when want is
// InFlight or Done it also checks the returned fingerprint.
func (c *checker) wantStatus(key, fp string, want webhook.ClaimStatus, wantFP string) webhook.ClaimResult {
	c.t.Helper()
	res := c.claimKey(key, fp, longTTL)
	if res.Status != want {
		c.t.Fatalf("Claim(%q): status %v, want %v", key, res.Status, want)
	}
	if (want == webhook.InFlight || want == webhook.Done) && res.Fingerprint != wantFP {
		c.t.Fatalf("Claim(%q): fingerprint %q, want %q (the owner's)", key, res.Fingerprint, wantFP)
	}
	if want != webhook.Claimed && res.Token != "" {
		c.t.Fatalf("Claim(%q): status %v came with a token", key, res.Status)
	}
	return res
}

func (c *checker) complete(key, token string, ttl time.Duration) error {
	return c.s.Complete(context.Background(), key, token, ttl)
}

func (c *checker) release(key, token string) error {
	return c.s.Release(context.Background(), key, token)
}

func (c *checker) extend(key, token string, ttl time.Duration) error {
	return c.s.Extend(context.Background(), key, token, ttl)
}

func (c *checker) mustExtend(key, token string, ttl time.Duration) {
	c.t.Helper()
	if err := c.extend(key, token, ttl); err != nil {
		c.t.Fatalf("Extend(%q): unexpected error: %v", key, err)
	}
}

func (c *checker) mustComplete(key, token string, ttl time.Duration) {
	c.t.Helper()
	if err := c.complete(key, token, ttl); err != nil {
		c.t.Fatalf("Complete(%q): unexpected error: %v", key, err)
	}
}

func (c *checker) mustRelease(key, token string) {
	c.t.Helper()
	if err := c.release(key, token); err != nil {
		c.t.Fatalf("Release(%q): unexpected error: %v", key, err)
	}
}

// wantLost fails unless err matches webhook.ErrClaimLost.
func (c *checker) wantLost(op string, err error) {
	c.t.Helper()
	if !errors.Is(err, webhook.ErrClaimLost) {
		c.t.Fatalf("%s: error %v, want webhook.ErrClaimLost", op, err)
	}
}

// eventually polls cond until it holds, failing the test after waitFor.
func (c *checker) eventually(what string, cond func() bool) {
	c.t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			c.t.Fatalf("after %s: %s never happened", waitFor, what)
		}
		time.Sleep(poll)
	}
}

// expire claims a throwaway key for ttl and waits until a claim of it
// succeeds again. Rules use it to wait "until ttl has surely passed" as the
// store itself measures time.
func (c *checker) expire(name string, ttl time.Duration) {
	c.t.Helper()
	k := c.key(name)
	c.mustClaim(k, "fp", ttl)
	c.eventually("a claim expired", func() bool {
		return c.claimKey(k, "fp", ttl).Status == webhook.Claimed
	})
}

// oddKeys are keys with bytes a store must treat as opaque.
var oddKeys = []string{
	"with space", "colon:and{braces}", "ünïcödé", "new\nline", "*?[glob]",
	strings.Repeat("long", 64),
}
