package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/signedhooks/webhook"
)

// Claim results of claimScript.
const (
	scriptClaimed  = 1
	scriptDone     = 2
	scriptInFlight = 3
	scriptSameSig  = 4 // in flight, claimed under the same signature
)

// replayCall is one run of replayScript.
type replayCall struct {
	key, token string
	ttl        time.Duration
}

func (c replayCall) script() *redis.Script { return replayScript }
func (c replayCall) keys() []string        { return []string{c.key} }
func (c replayCall) args() []any           { return []any{c.token, millis(c.ttl)} }

// claimCall is one run of claimScript.
type claimCall struct {
	key, token, sig string
	req             webhook.ClaimRequest
	takeOver        bool
}

func (c claimCall) script() *redis.Script { return claimScript }
func (c claimCall) keys() []string        { return []string{c.key} }
func (c claimCall) args() []any {
	takeOver := "0"
	if c.takeOver {
		takeOver = "1"
	}
	return []any{c.token, c.sig, c.req.Fingerprint, millis(c.req.TTL), takeOver}
}

// releaseCall is one run of releaseScript.
type releaseCall struct{ key, token string }

func (c releaseCall) script() *redis.Script { return releaseScript }
func (c releaseCall) keys() []string        { return []string{c.key} }
func (c releaseCall) args() []any           { return []any{c.token} }

// forgetCall is one run of forgetScript.
type forgetCall struct{ key, token string }

func (c forgetCall) script() *redis.Script { return forgetScript }
func (c forgetCall) keys() []string        { return []string{c.key} }
func (c forgetCall) args() []any           { return []any{c.token} }

// call is a script with its keys and arguments.
type call interface {
	script() *redis.Script
	keys() []string
	args() []any
}

// pending is a call sent (or queued in a pipeline) with EVALSHA.
type pending struct {
	call call
	cmd  *redis.Cmd
}

// run sends c with EVALSHA on sc, a client or a pipeline.
func run(ctx context.Context, sc redis.Scripter, c call) pending {
	return pending{call: c, cmd: c.script().EvalSha(ctx, sc, c.keys(), c.args()...)}
}

// reply returns the command's reply, sending the script again with EVAL when
// the server did not know it (its script cache was flushed: a restart, a
// failover).
func (p pending) reply(ctx context.Context, s *Store) *redis.Cmd {
	if noScript(p.cmd.Err()) {
		return p.call.script().Eval(ctx, s.client, p.call.keys(), p.call.args()...)
	}
	return p.cmd
}

// replayResult reports whether the replay key was new.
func replayResult(ctx context.Context, s *Store, p pending) (bool, error) {
	n, err := p.reply(ctx, s).Int()
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

// claimResult converts a claimScript reply for the claim made with token;
// sameSig reports an InFlight claim held under the same signature.
func claimResult(ctx context.Context, s *Store, p pending, token string) (res webhook.ClaimResult, sameSig bool, err error) {
	reply, err := p.reply(ctx, s).Slice()
	if err != nil {
		return webhook.ClaimResult{}, false, err
	}
	var status int64
	if len(reply) > 0 {
		status, _ = reply[0].(int64)
	}
	switch {
	case status == scriptClaimed:
		return webhook.ClaimResult{Status: webhook.Claimed, Token: token}, false, nil
	case status == scriptDone && len(reply) == 2:
		fp, _ := reply[1].(string)
		return webhook.ClaimResult{Status: webhook.Done, Fingerprint: fp}, false, nil
	case (status == scriptInFlight || status == scriptSameSig) && len(reply) == 3:
		fp, _ := reply[1].(string)
		pttl, _ := reply[2].(int64)
		return webhook.ClaimResult{
			Status:      webhook.InFlight,
			Fingerprint: fp,
			RetryAfter:  time.Duration(max(pttl, 1)) * time.Millisecond,
		}, status == scriptSameSig, nil
	}
	return webhook.ClaimResult{}, false, fmt.Errorf("unexpected claim reply %v", reply)
}

// release runs releaseScript on a full key; it returns webhook.ErrClaimLost
// unwrapped when token does not own the key.
func (s *Store) release(ctx context.Context, key, token string) error {
	if !validToken(token) {
		return webhook.ErrClaimLost
	}
	n, err := releaseScript.Run(ctx, s.client, []string{key}, token).Int()
	if err != nil {
		return err
	}
	if n == 0 {
		return webhook.ErrClaimLost
	}
	return nil
}

// noScript reports whether err is Redis's NOSCRIPT reply to EVALSHA.
func noScript(err error) bool {
	return err != nil && redis.HasErrorPrefix(err, "NOSCRIPT")
}
