package idempotencytest

import (
	"testing"

	"github.com/signedhooks/webhook"
)

// wantReplayed fails unless res is Replayed without a token.
func wantReplayed(t *testing.T, res webhook.ClaimResult) {
	t.Helper()
	if res.Status != webhook.Replayed {
		t.Fatalf("Claim with a recorded replay key: status %v, want %v", res.Status, webhook.Replayed)
	}
	if res.Token != "" {
		t.Fatal("Replayed came with a token")
	}
}

// A recorded replay key yields Replayed whatever the Key, and the Key of a
// replayed request is left untouched.
func replayKeySeen(t *testing.T, c *checker) {
	r, k1, k2 := c.key("r"), c.key("k1"), c.key("k2")
	res := c.claim(webhook.ClaimRequest{Key: k1, Fingerprint: "fp1", TTL: longTTL, ReplayKey: r, ReplayTTL: longTTL})
	if res.Status != webhook.Claimed || res.Token == "" {
		t.Fatalf("first Claim with a replay key: status %v token %q, want claimed with a token", res.Status, res.Token)
	}
	wantReplayed(t, c.claim(webhook.ClaimRequest{Key: k2, Fingerprint: "fp2", TTL: longTTL, ReplayKey: r, ReplayTTL: longTTL}))
	c.mustClaim(k2, "fp2", longTTL)
	c.wantStatus(k1, "x", webhook.InFlight, "fp1")
}

// The replay key is checked before the key: a replay of a completed or
// in-flight request is Replayed, not Done or InFlight.
func replayCheckedFirst(t *testing.T, c *checker) {
	done, busy := c.key("done"), c.key("busy")
	rd, rb := c.key("rdone"), c.key("rbusy")
	res := c.claim(webhook.ClaimRequest{Key: done, Fingerprint: "fp", TTL: longTTL, ReplayKey: rd, ReplayTTL: longTTL})
	c.mustComplete(done, res.Token, longTTL)
	wantReplayed(t, c.claim(webhook.ClaimRequest{Key: done, Fingerprint: "fp", TTL: longTTL, ReplayKey: rd, ReplayTTL: longTTL}))
	c.claim(webhook.ClaimRequest{Key: busy, Fingerprint: "fp", TTL: longTTL, ReplayKey: rb, ReplayTTL: longTTL})
	wantReplayed(t, c.claim(webhook.ClaimRequest{Key: busy, Fingerprint: "fp", TTL: longTTL, ReplayKey: rb, ReplayTTL: longTTL}))
}

// A new replay key is recorded even when the key turns out InFlight or Done.
func replayRecordedOnDuplicate(t *testing.T, c *checker) {
	k, r1, r2, r3 := c.key("k"), c.key("r1"), c.key("r2"), c.key("r3")
	res := c.claim(webhook.ClaimRequest{Key: k, Fingerprint: "fp1", TTL: longTTL, ReplayKey: r1, ReplayTTL: longTTL})
	if res.Status != webhook.Claimed {
		t.Fatalf("first Claim: status %v, want %v", res.Status, webhook.Claimed)
	}
	if got := c.claim(webhook.ClaimRequest{Key: k, Fingerprint: "fp2", TTL: longTTL, ReplayKey: r2, ReplayTTL: longTTL}); got.Status != webhook.InFlight {
		t.Fatalf("duplicate with a new replay key: status %v, want %v", got.Status, webhook.InFlight)
	}
	wantReplayed(t, c.claim(webhook.ClaimRequest{Key: k, Fingerprint: "fp2", TTL: longTTL, ReplayKey: r2, ReplayTTL: longTTL}))
	c.mustComplete(k, res.Token, longTTL)
	if got := c.claim(webhook.ClaimRequest{Key: k, Fingerprint: "fp3", TTL: longTTL, ReplayKey: r3, ReplayTTL: longTTL}); got.Status != webhook.Done {
		t.Fatalf("duplicate of a completed key with a new replay key: status %v, want %v", got.Status, webhook.Done)
	}
	wantReplayed(t, c.claim(webhook.ClaimRequest{Key: k, Fingerprint: "fp3", TTL: longTTL, ReplayKey: r3, ReplayTTL: longTTL}))
}

// Without a Key, a new replay key yields Claimed with an empty token (there
// is nothing to complete or release) and a recorded one yields Replayed.
// With neither, Claim yields Claimed with an empty token and records nothing.
func replayWithoutKey(t *testing.T, c *checker) {
	r := c.key("r")
	res := c.claim(webhook.ClaimRequest{ReplayKey: r, ReplayTTL: longTTL})
	if res.Status != webhook.Claimed || res.Token != "" {
		t.Fatalf("Claim with only a new replay key: status %v token %q, want claimed without a token", res.Status, res.Token)
	}
	wantReplayed(t, c.claim(webhook.ClaimRequest{ReplayKey: r, ReplayTTL: longTTL}))
	for range 2 {
		res = c.claim(webhook.ClaimRequest{})
		if res.Status != webhook.Claimed || res.Token != "" {
			t.Fatalf("Claim with neither key: status %v token %q, want claimed without a token", res.Status, res.Token)
		}
	}
}

// Keys and replay keys live in separate namespaces: the same string used as
// both does not collide.
func replayKeysAndKeysAreSeparate(t *testing.T, c *checker) {
	v := c.key("same")
	c.mustClaim(v, "fp1", longTTL)
	if res := c.claim(webhook.ClaimRequest{ReplayKey: v, ReplayTTL: longTTL}); res.Status != webhook.Claimed {
		t.Fatalf("replay key equal to a claimed key: status %v, want %v", res.Status, webhook.Claimed)
	}
	c.wantStatus(v, "fp2", webhook.InFlight, "fp1")
	w := c.key("other")
	c.claim(webhook.ClaimRequest{ReplayKey: w, ReplayTTL: longTTL})
	c.mustClaim(w, "fp1", longTTL)
}

// A replay key is forgotten after its ReplayTTL.
func replayKeyExpires(t *testing.T, c *checker) {
	r := c.key("r")
	req := webhook.ClaimRequest{ReplayKey: r, ReplayTTL: mediumTTL}
	if res := c.claim(req); res.Status != webhook.Claimed {
		t.Fatalf("first Claim: status %v, want %v", res.Status, webhook.Claimed)
	}
	wantReplayed(t, c.claim(req))
	c.eventually("the replay key expired", func() bool {
		return c.claim(req).Status == webhook.Claimed
	})
}
