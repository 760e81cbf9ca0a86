package webhook

import (
	"context"
	"errors"
	"time"
)

// ErrClaimLost is returned by [Store.Complete], [Store.Release] and
// [Store.Extend] when the token no longer owns the key: the claim expired,
// was completed or released, and possibly another delivery claimed the key
// since. The call changed nothing.
var ErrClaimLost = errors.New("webhook: idempotency claim lost")

// ClaimStatus is the outcome of [Store.Claim].
type ClaimStatus int

const (
	// Claimed means the caller now owns the key and must process the message,
	// then call Complete (success) or Release (failure) with the token.
	Claimed ClaimStatus = iota + 1
	// Replayed means the replay key was already recorded: this exact signed
	// request was seen before. No claim is held.
	Replayed
	// InFlight means another delivery holds an unexpired claim on the key.
	InFlight
	// Done means the key was completed and is within its completion TTL.
	Done
)

// String returns the status name.
func (s ClaimStatus) String() string {
	switch s {
	case Claimed:
		return "claimed"
	case Replayed:
		return "replayed"
	case InFlight:
		return "in_flight"
	case Done:
		return "done"
	}
	return "unknown"
}

// ClaimRequest is the input of [Store.Claim].
type ClaimRequest struct {
	// Key is the idempotency key (usually the message id), or "" when the
	// request has none: then only the replay guard applies.
	Key string
	// Fingerprint identifies the body (a hash); it is stored with the claim
	// and returned to later claims of the same key, so a duplicate id with a
	// different body can be detected.
	Fingerprint string
	// TTL bounds how long the claim lasts if it is never completed or
	// released (a crashed worker); after it, the key can be claimed again.
	TTL time.Duration
	// ReplayKey identifies the exact signed request (its signature), or "".
	// It is recorded for ReplayTTL; a second claim with the same ReplayKey
	// within that time returns [Replayed].
	ReplayKey string
	// ReplayTTL is how long ReplayKey is remembered.
	ReplayTTL time.Duration
}

// ClaimResult is the output of [Store.Claim].
type ClaimResult struct {
	// Status says what happened.
	Status ClaimStatus
	// Token proves ownership when Status is [Claimed]; pass it to Complete,
	// Release or Extend.
	Token string
	// Fingerprint is the fingerprint stored by the claim that owns or
	// completed the key, when Status is [InFlight] or [Done].
	Fingerprint string
	// RetryAfter is, when Status is [InFlight], how long the current claim
	// may still last; a hint for the Retry-After header.
	RetryAfter time.Duration
}

// Store records idempotency claims and replay keys. Implementations must be
// safe for concurrent use and, when shared, across processes. Each method is
// atomic; a networked store does each in one round trip.
//
// Contract, per method:
//
//   - Claim first checks ReplayKey (when set): if it is recorded and unexpired
//     the result is [Replayed] and nothing else changes; otherwise it is
//     recorded for ReplayTTL. Then, when Key is set: an absent or expired key
//     is claimed for TTL with a new unique token ([Claimed]); a claimed key
//     yields [InFlight]; a completed key yields [Done]. Without a Key the
//     result is [Claimed] with an empty token: there is nothing to complete
//     or release. Keys and replay keys are separate namespaces. Claim never
//     returns an error for any of these outcomes; an error means the store
//     could not answer (unreachable, timed out, ctx done), and the caller
//     must not assume anything was or was not recorded.
//   - Complete marks a claimed key done for ttl (counted from now, replacing
//     what was left of the claim's TTL), if token still owns it; otherwise
//     it returns [ErrClaimLost] and changes nothing.
//   - Release removes a claim, if token still owns it, so that the key can be
//     claimed again at once; otherwise it returns [ErrClaimLost] and changes
//     nothing.
//   - Extend keeps a claim alive: if token still owns key, the claim now
//     expires ttl from now (replacing what was left of its TTL, so a shorter
//     ttl shortens it); otherwise it returns [ErrClaimLost] and changes
//     nothing, in particular it never revives an expired claim or touches a
//     completed key. The middleware calls it periodically while a long
//     handler runs, so that the claim outlives [MiddlewareOptions.ClaimTTL].
//   - A token owns its key from Claim until the first of Complete, Release
//     or the claim's expiry; after that, Complete, Release and Extend with it
//     return [ErrClaimLost].
//
// All methods return ctx.Err() (possibly wrapped) when ctx is done before
// they finish. The package idempotencytest checks implementations against
// this contract.
type Store interface {
	Claim(ctx context.Context, req ClaimRequest) (ClaimResult, error)
	Complete(ctx context.Context, key, token string, ttl time.Duration) error
	Release(ctx context.Context, key, token string) error
	Extend(ctx context.Context, key, token string, ttl time.Duration) error
}
