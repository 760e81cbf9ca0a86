package core

import (
	"sync"
	"time"

	webhook "github.com/signedhooks/webhook"
)

// Every queue of this module retries with a [webhook.RetryPolicy], with the
// meaning it has in [webhook.Sender.Send]: after attempt n (1 for the first)
// failed in a retryable way, Delay(n, retryAfter) gives the wait before
// attempt n+1, a Retry-After honoured in place of the policy's own delay
// (clamped by the policy), and false once no attempt is left, when the job
// becomes a dead letter. A Retry-After answer is an attempt like any other,
// as in Send.
//
// River decides "dead" by comparing a job's attempt with the max_attempts it
// stored at insert, so a job is inserted with the number of attempts its
// policy allows ([AttemptsOf]), and River's NextRetry asks the policy for
// the wait.

// MaxPolicyAttempts bounds the attempts [AttemptsOf] probes for: a policy
// that never gives up still ends, after this many attempts.
const MaxPolicyAttempts = 1000

// AttemptsOf returns how many attempts p allows, the first included: the
// first attempt after which p answers false. Policies are pure functions of
// their arguments, so asking is free of effects.
func AttemptsOf(p webhook.RetryPolicy) int {
	for n := 1; n < MaxPolicyAttempts; n++ {
		if _, ok := p.Delay(n, 0); !ok {
			return n
		}
	}
	return MaxPolicyAttempts
}

// RetryAt returns when attempt+1 runs after attempt failed with
// retryAfter. A job stored with more attempts than p allows (by an earlier
// version, or before the policy changed) waits as after p's last retry.
func RetryAt(p webhook.RetryPolicy, attempt int, retryAfter time.Duration) time.Time {
	d, ok := p.Delay(max(attempt, 1), retryAfter)
	if !ok {
		d, _ = p.Delay(max(AttemptsOf(p)-1, 1), retryAfter)
	}
	return time.Now().Add(d)
}

// RetryAfters carries the Retry-After of a failed run from the worker's
// Work to River's NextRetry call for the same job, which follows it in the
// same goroutine (River asks for the next retry only after Work returned
// its error). An entry lives from that return to that call. The zero value
// is ready for use.
type RetryAfters struct{ m sync.Map } // job id -> time.Duration

// Set keeps d for the job, if positive.
func (r *RetryAfters) Set(jobID int64, d time.Duration) {
	if d > 0 {
		r.m.Store(jobID, d)
	}
}

// Take returns and forgets what Set kept for the job, or 0.
func (r *RetryAfters) Take(jobID int64) time.Duration {
	v, ok := r.m.LoadAndDelete(jobID)
	if !ok {
		return 0
	}
	return v.(time.Duration)
}
