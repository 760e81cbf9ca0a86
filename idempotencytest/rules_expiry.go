package idempotencytest

import (
	"testing"

	"github.com/signedhooks/webhook"
)

// A claim that is neither completed nor released expires after its TTL; the
// key can then be claimed again, with a new token.
func claimExpires(t *testing.T, c *checker) {
	k := c.key("k")
	tok1 := c.mustClaim(k, "fp1", shortTTL)
	var tok2 string
	c.eventually("the claim expired", func() bool {
		res := c.claimKey(k, "fp2", longTTL)
		tok2 = res.Token
		return res.Status == webhook.Claimed
	})
	if tok2 == "" || tok2 == tok1 {
		t.Fatalf("reclaim after expiry: token %q, first token %q", tok2, tok1)
	}
	c.wantStatus(k, "fp3", webhook.InFlight, "fp2")
}

// Complete with the token of an expired claim returns ErrClaimLost and does
// not mark the key done, even when nobody claimed it since.
func completeAfterExpiryIsLost(_ *testing.T, c *checker) {
	k := c.key("k")
	tok := c.mustClaim(k, "fp1", shortTTL)
	c.expire("later", shortTTL)
	c.wantLost("Complete after the claim expired", c.complete(k, tok, longTTL))
	c.mustClaim(k, "fp2", longTTL)
}

// A late Complete from an expired claim does not clobber the newer owner.
func completeAfterReclaimIsLost(_ *testing.T, c *checker) {
	k := c.key("k")
	old := c.mustClaim(k, "old", shortTTL)
	var tok string
	c.eventually("the first claim expired", func() bool {
		res := c.claimKey(k, "new", longTTL)
		tok = res.Token
		return res.Status == webhook.Claimed
	})
	c.wantLost("Complete by the expired owner", c.complete(k, old, longTTL))
	c.wantStatus(k, "x", webhook.InFlight, "new")
	c.mustComplete(k, tok, longTTL)
	c.wantStatus(k, "x", webhook.Done, "new")
}

// A late Release from an expired claim does not free the newer owner's claim.
func releaseAfterReclaimIsLost(_ *testing.T, c *checker) {
	k := c.key("k")
	old := c.mustClaim(k, "old", shortTTL)
	var tok string
	c.eventually("the first claim expired", func() bool {
		res := c.claimKey(k, "new", longTTL)
		tok = res.Token
		return res.Status == webhook.Claimed
	})
	c.wantLost("Release by the expired owner", c.release(k, old))
	c.wantStatus(k, "x", webhook.InFlight, "new")
	c.mustRelease(k, tok)
	c.mustClaim(k, "newer", longTTL)
}

// Complete sets the key's lifetime to its own ttl: a key completed for long
// stays Done after the claim's shorter TTL has passed.
func completedKeyOutlivesClaimTTL(_ *testing.T, c *checker) {
	k := c.key("k")
	tok := c.mustClaim(k, "fp1", mediumTTL)
	c.mustComplete(k, tok, longTTL)
	c.expire("later", mediumTTL)
	c.wantStatus(k, "fp2", webhook.Done, "fp1")
}

// A completed key stays Done for the ttl given to Complete, then can be
// claimed again.
func completedKeyExpires(_ *testing.T, c *checker) {
	k := c.key("k")
	tok := c.mustClaim(k, "fp1", longTTL)
	c.mustComplete(k, tok, mediumTTL)
	c.wantStatus(k, "fp2", webhook.Done, "fp1")
	c.eventually("the completed key expired", func() bool {
		return c.claimKey(k, "fp2", longTTL).Status == webhook.Claimed
	})
}
