package durable

import (
	"sync"
	"time"

	webhook "github.com/signedhooks/webhook"
)

// Every queue of this package retries with a [webhook.RetryPolicy], with the
// meaning it has in [webhook.Sender.Send]: after attempt n (1 for the first)
// failed in a retryable way, Delay(n, retryAfter) gives the wait before
// attempt n+1, a Retry-After honoured in place of the policy's own delay
// (clamped by the policy), and false once no attempt is left, when the job
// becomes a dead letter. A Retry-After answer is an attempt like any other,
// as in Send.
//
// River decides "dead" by comparing a job's attempt with the max_attempts it
// stored at insert, so a job is inserted with the number of attempts its
// policy allows ([attemptsOf]), and River's NextRetry asks the policy for
// the wait.

// maxPolicyAttempts bounds the attempts [attemptsOf] probes for: a policy
// that never gives up still ends, after this many attempts.
const maxPolicyAttempts = 1000

// attemptsOf returns how many attempts p allows, the first included: the
// first attempt after which p answers false. Policies are pure functions of
// their arguments, so asking is free of effects.
func attemptsOf(p webhook.RetryPolicy) int {
	for n := 1; n < maxPolicyAttempts; n++ {
		if _, ok := p.Delay(n, 0); !ok {
			return n
		}
	}
	return maxPolicyAttempts
}

// retryAt returns when attempt+1 runs after attempt failed with
// retryAfter. A job stored with more attempts than p allows (by an earlier
// version, or before the policy changed) waits as after p's last retry.
func retryAt(p webhook.RetryPolicy, attempt int, retryAfter time.Duration) time.Time {
	d, ok := p.Delay(max(attempt, 1), retryAfter)
	if !ok {
		d, _ = p.Delay(max(attemptsOf(p)-1, 1), retryAfter)
	}
	return time.Now().Add(d)
}

// retryAfters carries the Retry-After of a failed run from the worker's
// Work to River's NextRetry call for the same job, which follows it in the
// same goroutine (River asks for the next retry only after Work returned
// its error). An entry lives from that return to that call.
type retryAfters struct{ m sync.Map } // job id -> time.Duration

func (r *retryAfters) set(jobID int64, d time.Duration) {
	if d > 0 {
		r.m.Store(jobID, d)
	}
}

func (r *retryAfters) take(jobID int64) time.Duration {
	v, ok := r.m.LoadAndDelete(jobID)
	if !ok {
		return 0
	}
	return v.(time.Duration)
}

// Default policies, as [webhook.Backoff] values: the waits grow from their
// InitialDelay up to MaxDelay, which also caps a Retry-After, over 8
// attempts.
var (
	// defaultDeliveryRetry is the outbox's default: up to 5 s, 10 s,
	// 20 s, ... an hour.
	defaultDeliveryRetry = webhook.Backoff{InitialDelay: 5 * time.Second, MaxDelay: time.Hour}
	// defaultInboxRetry is the inbox's default: up to 1 s, 2 s, ... 10 min.
	defaultInboxRetry = webhook.Backoff{InitialDelay: time.Second, MaxDelay: 10 * time.Minute}
)

// defaultEndpointRetry is the endpoints' default: a first attempt at once,
// then retries after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h, 8 attempts
// over 27 h 35 min, the horizon customers know from the large webhook
// providers, well inside the default DisableAfter (5 days). A Retry-After
// is honoured up to 10 h. A Schedule has no jitter: the breaker, not
// spreading, keeps a recovering endpoint from a wave of retries.
var defaultEndpointRetry = webhook.Schedule{5 * time.Second, 5 * time.Minute, 30 * time.Minute,
	2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}
