package redisstore

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/signedhooks/webhook"
)

// undoBackoff and maxUndoBackoff space the attempts of an undo (see
// [Store.undo]); firstUndoTimeout bounds the attempt to release the id that
// Claim makes before it returns, when nothing can end its caller's context.
const (
	undoBackoff      = 50 * time.Millisecond
	maxUndoBackoff   = time.Second
	firstUndoTimeout = time.Second
)

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
// When Claim returns an error, it undoes whatever its commands wrote or may
// still write (see Failures in the package doc): the id is free again as soon
// as Redis has run them, not after req.TTL.
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

	res, err := boundedThen(ctx, func() (webhook.ClaimResult, error) {
		switch {
		case req.Key == "":
			return s.claimReplay(ctx, rc)
		case req.ReplayKey == "":
			res, _, err := claimResult(ctx, s, run(ctx, s.client, cc), token)
			return res, err
		}
		return s.claimBoth(ctx, rc, cc)
	}, func(res webhook.ClaimResult, err error, abandoned bool) {
		if err == nil && !abandoned {
			return
		}
		var undo []call
		if req.Key != "" && (err != nil || res.Status == webhook.Claimed) {
			undo = append(undo, releaseCall{key: cc.key, token: token})
		}
		if req.ReplayKey != "" && (err != nil || res.Status != webhook.Replayed) {
			undo = append(undo, forgetCall{key: rc.key, token: token})
		}
		window := req.TTL
		if req.Key == "" {
			window = min(req.ReplayTTL, time.Minute)
		}
		s.undo(ctx, window, !abandoned && ctx.Done() == nil, undo)
	})
	if err != nil {
		return webhook.ClaimResult{}, wrap("claim", ctx, err)
	}
	return res, nil
}

// undo runs calls, the undo of a Claim that failed or was abandoned, most
// urgent first, until Redis has answered each or window has passed, in the
// background; when first is set it tries the most urgent one before it
// returns. The calls compare the claim's token, so running them late or
// twice is harmless, and they are sent after the claim's own commands, which
// Redis runs first. When maxPendingUndos undos are running already, it
// gives up: the claim expires after its TTL.
func (s *Store) undo(ctx context.Context, window time.Duration, first bool, calls []call) {
	ctx = context.WithoutCancel(ctx) // the caller is gone; the undo is not
	if first && len(calls) > 0 {
		fctx, cancel := context.WithTimeout(ctx, firstUndoTimeout)
		if len(s.undoOnce(fctx, calls[:1])) == 0 {
			calls = calls[1:]
		}
		cancel()
	}
	if len(calls) == 0 {
		return
	}
	select {
	case s.undos <- struct{}{}:
	default:
		return
	}
	go func() {
		defer func() { <-s.undos }()
		ctx, cancel := context.WithTimeout(ctx, window)
		defer cancel()
		for wait := undoBackoff; ; wait = min(2*wait, maxUndoBackoff) {
			if calls = s.undoOnce(ctx, calls); len(calls) == 0 {
				return
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	}()
}

// undoOnce runs each call once and returns those Redis did not answer,
// none once the client is closed.
func (s *Store) undoOnce(ctx context.Context, calls []call) []call {
	var left []call
	for _, c := range calls {
		err := c.script().Run(ctx, s.client, c.keys(), c.args()...).Err()
		if errors.Is(err, redis.ErrClosed) {
			return nil
		}
		if err != nil {
			left = append(left, c)
		}
	}
	return left
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
		return webhook.ClaimResult{}, err // Claim undoes what half succeeded
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
