package idempotencytest

import (
	"testing"

	"github.com/signedhooks/webhook"
)

// An extended claim outlives its original TTL: it stays InFlight after that
// TTL has passed, reports a Retry-After within the new TTL, and its token can
// still complete the key.
func extendKeepsClaim(t *testing.T, c *checker) {
	k := c.key("k")
	tok := c.mustClaim(k, "fp1", mediumTTL)
	c.mustExtend(k, tok, longTTL)
	c.expire("later", mediumTTL)
	res := c.wantStatus(k, "fp2", webhook.InFlight, "fp1")
	if res.RetryAfter <= mediumTTL || res.RetryAfter > longTTL {
		t.Fatalf("InFlight RetryAfter %v after Extend(%v), want in (%v, %v]", res.RetryAfter, longTTL, mediumTTL, longTTL)
	}
	c.mustExtend(k, tok, longTTL) // again: a keep-alive extends many times
	c.mustComplete(k, tok, longTTL)
	c.wantStatus(k, "fp2", webhook.Done, "fp1")
}

// Extend counts ttl from now, replacing what was left: a shorter ttl
// shortens the claim, which then expires.
func extendSetsExpiry(_ *testing.T, c *checker) {
	k := c.key("k")
	tok := c.mustClaim(k, "fp1", longTTL)
	c.mustExtend(k, tok, shortTTL)
	c.eventually("the shortened claim expired", func() bool {
		return c.claimKey(k, "fp2", longTTL).Status == webhook.Claimed
	})
}

// Extend with a token that never owned the key returns ErrClaimLost and
// changes nothing: the owner's claim still expires at its own TTL.
func extendWrongTokenIsLost(_ *testing.T, c *checker) {
	k := c.key("k")
	tok := c.mustClaim(k, "fp1", mediumTTL)
	c.wantLost("Extend with a wrong token", c.extend(k, tok+"x", longTTL))
	c.wantLost("Extend with an empty token", c.extend(k, "", longTTL))
	c.wantStatus(k, "fp2", webhook.InFlight, "fp1")
	c.eventually("the claim expired at its own TTL", func() bool {
		return c.claimKey(k, "fp2", longTTL).Status == webhook.Claimed
	})
}

// Extend of a key nobody claimed returns ErrClaimLost and does not create it.
func extendUnknownKeyIsLost(_ *testing.T, c *checker) {
	k := c.key("k")
	c.wantLost("Extend of an unclaimed key", c.extend(k, "token", longTTL))
	c.mustClaim(k, "fp1", longTTL)
}

// Extend after Complete returns ErrClaimLost and leaves the key Done for the
// ttl Complete gave it, not longer.
func extendAfterCompleteIsLost(_ *testing.T, c *checker) {
	k := c.key("k")
	tok := c.mustClaim(k, "fp1", longTTL)
	c.mustComplete(k, tok, mediumTTL)
	c.wantLost("Extend after Complete", c.extend(k, tok, longTTL))
	c.wantStatus(k, "fp2", webhook.Done, "fp1")
	c.eventually("the completed key expired", func() bool {
		return c.claimKey(k, "fp2", longTTL).Status == webhook.Claimed
	})
}

// Extend after Release returns ErrClaimLost and does not bring the claim
// back.
func extendAfterReleaseIsLost(_ *testing.T, c *checker) {
	k := c.key("k")
	tok := c.mustClaim(k, "fp1", longTTL)
	c.mustRelease(k, tok)
	c.wantLost("Extend after Release", c.extend(k, tok, longTTL))
	c.mustClaim(k, "fp2", longTTL)
}

// Extend after the claim expired returns ErrClaimLost and does not revive
// it, whether or not the key was claimed again since; a newer owner's claim
// is left alone.
func extendAfterExpiryIsLost(_ *testing.T, c *checker) {
	k := c.key("k")
	old := c.mustClaim(k, "old", shortTTL)
	c.expire("later", shortTTL)
	c.wantLost("Extend after the claim expired", c.extend(k, old, longTTL))
	tok := c.mustClaim(k, "new", mediumTTL)
	c.wantLost("Extend by the expired owner", c.extend(k, old, longTTL))
	c.wantStatus(k, "x", webhook.InFlight, "new")
	c.mustComplete(k, tok, longTTL)
	c.wantStatus(k, "x", webhook.Done, "new")
}
