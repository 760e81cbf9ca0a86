package redisstore

import (
	"context"
	"errors"
	"time"

	"github.com/signedhooks/webhook"
)

// cleanupTimeout bounds the release of a claim that Claim made but cannot
// report, because the other half of its pipeline failed.
const cleanupTimeout = time.Second

// Claim implements [webhook.Store.Claim] in one round trip: a pipeline of the
// replay-key script and the id-claim script (on a Cluster, go-redis sends each
// to its shard, in parallel).
//
// The two keys may live on different shards, so no single script sees both;
// two races cost a second round trip instead, and only replays cause them.
// When the replay key was already recorded but the id was claimed in the
// same pipeline, Claim releases that claim before it returns
// [webhook.Replayed]. When the replay key is new but the id is held by a
// claim made under the same signature (a concurrent replay of this very
// request, about to release it), Claim takes that claim over: this request
// is the genuine one. A replay's short-lived claim can still make a
// concurrent delivery of the same id under another signature answer
// [webhook.InFlight]; its sender retries.
//
// Errors wrap the client's error, and ctx.Err() when ctx is done.
func (s *Store) Claim(ctx context.Context, req webhook.ClaimRequest) (webhook.ClaimResult, error) {
	if req.Key == "" && req.ReplayKey == "" {
		return webhook.ClaimResult{Status: webhook.Claimed}, nil
	}
	ctx, cancel, err := s.begin(ctx)
	if err != nil {
		return webhook.ClaimResult{}, wrap("claim", ctx, err)
	}
	defer cancel()
	token, err := newToken()
	if err != nil {
		return webhook.ClaimResult{}, wrap("claim", ctx, err)
	}
	rc := replayCall{key: s.rpPrefix + req.ReplayKey, token: token, ttl: req.ReplayTTL}
	cc := claimCall{key: s.idPrefix + req.Key, token: token, sig: sigDigest(req.ReplayKey), req: req}

	var res webhook.ClaimResult
	switch {
	case req.Key == "":
		res, err = s.claimReplay(ctx, rc)
	case req.ReplayKey == "":
		res, _, err = claimResult(ctx, s, run(ctx, s.client, cc), token)
	default:
		res, err = s.claimBoth(ctx, rc, cc)
	}
	if err != nil {
		return webhook.ClaimResult{}, wrap("claim", ctx, err)
	}
	return res, nil
}

// claimReplay records a replay key for a request without an id.
func (s *Store) claimReplay(ctx context.Context, rc replayCall) (webhook.ClaimResult, error) {
	fresh, err := replayResult(ctx, s, run(ctx, s.client, rc))
	switch {
	case err != nil:
		return webhook.ClaimResult{}, err
	case !fresh:
		return webhook.ClaimResult{Status: webhook.Replayed}, nil
	}
	return webhook.ClaimResult{Status: webhook.Claimed}, nil
}

// claimBoth records the replay key and claims the id in one pipeline.
func (s *Store) claimBoth(ctx context.Context, rc replayCall, cc claimCall) (webhook.ClaimResult, error) {
	pipe := s.client.Pipeline()
	replayed := run(ctx, pipe, rc)
	claimed := run(ctx, pipe, cc)
	if _, err := pipe.Exec(ctx); err != nil {
		// Exec's error is the first command error, or one that stopped the
		// pipeline before any reply (a failed dial leaves the commands
		// without an error of their own).
		for _, p := range []pending{replayed, claimed} {
			if p.cmd.Err() == nil && p.cmd.Val() == nil {
				p.cmd.SetErr(err)
			}
		}
	}

	fresh, replayErr := replayResult(ctx, s, replayed)
	res, sameSig, claimErr := claimResult(ctx, s, claimed, cc.token)
	if err := errors.Join(replayErr, claimErr); err != nil {
		if claimErr == nil && res.Status == webhook.Claimed {
			// The caller will not complete a claim it never learned of; free
			// the key now rather than make the sender wait out the TTL, even
			// if ctx is done, but briefly: Redis is in trouble.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
			_ = s.release(rctx, cc.key, cc.token)
			cancel()
		}
		return webhook.ClaimResult{}, err
	}
	switch {
	case !fresh:
		if res.Status == webhook.Claimed {
			if err := s.release(ctx, cc.key, cc.token); err != nil && !errors.Is(err, webhook.ErrClaimLost) {
				return webhook.ClaimResult{}, err
			}
		}
		return webhook.ClaimResult{Status: webhook.Replayed}, nil
	case sameSig:
		cc.takeOver = true
		res, _, err := claimResult(ctx, s, run(ctx, s.client, cc), cc.token)
		return res, err
	}
	return res, nil
}
