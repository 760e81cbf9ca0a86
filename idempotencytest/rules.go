package idempotencytest

import (
	"strconv"
	"testing"

	"github.com/signedhooks/webhook"
)

// rule is one contract rule, run as the subtest called name.
type rule struct {
	name string
	fn   func(t *testing.T, c *checker)
}

// rules lists every rule Run checks, in the order they are reported.
var rules = []rule{
	{"ClaimAbsentKey", claimAbsentKey},
	{"ClaimHeldKeyIsInFlight", claimHeldKeyIsInFlight},
	{"CompletedKeyIsDone", completedKeyIsDone},
	{"ReleaseThenReclaim", releaseThenReclaim},
	{"WrongTokenIsLost", wrongTokenIsLost},
	{"UnknownKeyIsLost", unknownKeyIsLost},
	{"TokenEndsAtComplete", tokenEndsAtComplete},
	{"TokenEndsAtRelease", tokenEndsAtRelease},
	{"TokensAreUnique", tokensAreUnique},
	{"KeysAreIndependent", keysAreIndependent},
	{"ClaimExpires", claimExpires},
	{"CompleteAfterExpiryIsLost", completeAfterExpiryIsLost},
	{"CompleteAfterReclaimIsLost", completeAfterReclaimIsLost},
	{"ReleaseAfterReclaimIsLost", releaseAfterReclaimIsLost},
	{"CompletedKeyOutlivesClaimTTL", completedKeyOutlivesClaimTTL},
	{"CompletedKeyExpires", completedKeyExpires},
	{"ExtendKeepsClaim", extendKeepsClaim},
	{"ExtendSetsExpiry", extendSetsExpiry},
	{"ExtendWrongTokenIsLost", extendWrongTokenIsLost},
	{"ExtendUnknownKeyIsLost", extendUnknownKeyIsLost},
	{"ExtendAfterCompleteIsLost", extendAfterCompleteIsLost},
	{"ExtendAfterReleaseIsLost", extendAfterReleaseIsLost},
	{"ExtendAfterExpiryIsLost", extendAfterExpiryIsLost},
	{"ReplayKeySeen", replayKeySeen},
	{"ReplayCheckedFirst", replayCheckedFirst},
	{"ReplayRecordedOnDuplicate", replayRecordedOnDuplicate},
	{"ReplayWithoutKey", replayWithoutKey},
	{"ReplayKeysAndKeysAreSeparate", replayKeysAndKeysAreSeparate},
	{"ReplayKeyExpires", replayKeyExpires},
	{"ConcurrentClaims", concurrentClaims},
	{"ConcurrentReplays", concurrentReplays},
	{"MutualExclusion", mutualExclusion},
	{"CanceledContext", canceledContext},
	{"ExpiredDeadline", expiredDeadline},
}

// An absent key is claimed, with a token.
func claimAbsentKey(_ *testing.T, c *checker) {
	c.mustClaim(c.key("k"), "fp1", longTTL)
}

// A claimed key yields InFlight with the owner's fingerprint and a
// Retry-After hint within the claim's TTL.
func claimHeldKeyIsInFlight(t *testing.T, c *checker) {
	k := c.key("k")
	c.mustClaim(k, "fp1", longTTL)
	for range 3 {
		res := c.wantStatus(k, "fp2", webhook.InFlight, "fp1")
		if res.RetryAfter <= 0 || res.RetryAfter > longTTL {
			t.Fatalf("InFlight RetryAfter %v, want in (0, %v]", res.RetryAfter, longTTL)
		}
	}
}

// A completed key yields Done with the fingerprint of the claim that
// completed it, for every later claim.
func completedKeyIsDone(_ *testing.T, c *checker) {
	k := c.key("k")
	tok := c.mustClaim(k, "fp1", longTTL)
	c.mustComplete(k, tok, longTTL)
	for range 3 {
		c.wantStatus(k, "fp2", webhook.Done, "fp1")
	}
}

// A released key can be claimed again at once, with a new token; the new
// claim's fingerprint is the one reported afterwards.
func releaseThenReclaim(t *testing.T, c *checker) {
	k := c.key("k")
	tok1 := c.mustClaim(k, "fp1", longTTL)
	c.mustRelease(k, tok1)
	tok2 := c.mustClaim(k, "fp2", longTTL)
	if tok2 == tok1 {
		t.Fatalf("reclaim after Release reused token %q", tok1)
	}
	c.wantStatus(k, "fp3", webhook.InFlight, "fp2")
	c.mustComplete(k, tok2, longTTL)
	c.wantStatus(k, "fp3", webhook.Done, "fp2")
}

// Complete and Release with a token that never owned the key return
// ErrClaimLost and change nothing: the owner can still complete.
func wrongTokenIsLost(_ *testing.T, c *checker) {
	k := c.key("k")
	tok := c.mustClaim(k, "fp1", longTTL)
	c.wantLost("Complete with a wrong token", c.complete(k, tok+"x", longTTL))
	c.wantLost("Release with a wrong token", c.release(k, tok+"x"))
	c.wantLost("Release with an empty token", c.release(k, ""))
	c.wantStatus(k, "fp2", webhook.InFlight, "fp1")
	c.mustComplete(k, tok, longTTL)
	c.wantStatus(k, "fp2", webhook.Done, "fp1")
}

// Complete and Release of a key nobody claimed return ErrClaimLost and do not
// create it.
func unknownKeyIsLost(_ *testing.T, c *checker) {
	k := c.key("k")
	c.wantLost("Complete of an unclaimed key", c.complete(k, "token", longTTL))
	c.wantLost("Release of an unclaimed key", c.release(k, "token"))
	c.mustClaim(k, "fp1", longTTL)
}

// Complete ends the token's ownership: a later Release or Complete with it
// returns ErrClaimLost and the key stays Done.
func tokenEndsAtComplete(_ *testing.T, c *checker) {
	k := c.key("k")
	tok := c.mustClaim(k, "fp1", longTTL)
	c.mustComplete(k, tok, longTTL)
	c.wantLost("Release after Complete", c.release(k, tok))
	c.wantLost("Complete after Complete", c.complete(k, tok, longTTL))
	c.wantStatus(k, "fp2", webhook.Done, "fp1")
}

// Release ends the token's ownership: a later Release or Complete with it
// returns ErrClaimLost and does not mark the key done.
func tokenEndsAtRelease(_ *testing.T, c *checker) {
	k := c.key("k")
	tok := c.mustClaim(k, "fp1", longTTL)
	c.mustRelease(k, tok)
	c.wantLost("Release after Release", c.release(k, tok))
	c.wantLost("Complete after Release", c.complete(k, tok, longTTL))
	c.mustClaim(k, "fp2", longTTL)
}

// Tokens of different claims differ, across keys and across reclaims.
func tokensAreUnique(t *testing.T, c *checker) {
	seen := make(map[string]bool)
	add := func(tok string) {
		if seen[tok] {
			t.Fatalf("token %q handed out twice", tok)
		}
		seen[tok] = true
	}
	for i := range 50 {
		add(c.mustClaim(c.key("k"+strconv.Itoa(i)), "fp", longTTL))
	}
	k := c.key("again")
	for range 50 {
		tok := c.mustClaim(k, "fp", longTTL)
		add(tok)
		c.mustRelease(k, tok)
	}
}

// Keys do not affect each other, whatever bytes they hold.
func keysAreIndependent(_ *testing.T, c *checker) {
	a, b := c.key("a"), c.key("b")
	ta := c.mustClaim(a, "fpa", longTTL)
	tb := c.mustClaim(b, "fpb", longTTL)
	c.mustComplete(a, ta, longTTL)
	c.wantStatus(b, "x", webhook.InFlight, "fpb")
	c.mustRelease(b, tb)
	c.wantStatus(a, "x", webhook.Done, "fpa")
	for i, k := range oddKeys {
		k = c.key(k)
		fp := "odd" + strconv.Itoa(i)
		tok := c.mustClaim(k, fp, longTTL)
		c.wantStatus(k, "x", webhook.InFlight, fp)
		c.mustComplete(k, tok, longTTL)
		c.wantStatus(k, "x", webhook.Done, fp)
	}
}
