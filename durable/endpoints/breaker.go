package endpoints

import (
	"bytes"
	"context"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable/internal/core"
	"github.com/tidwall/gjson"
)

// BreakerState is where an endpoint's circuit breaker stands.
type BreakerState string

// The states of a [Breaker].
const (
	// BreakerClosed: deliveries flow.
	BreakerClosed BreakerState = "closed"
	// BreakerOpen: deliveries wait, without spending attempts, until
	// NextProbeAt.
	BreakerOpen BreakerState = "open"
	// BreakerHalfOpen: one delivery, the probe, is being attempted; the
	// others wait for its outcome.
	BreakerHalfOpen BreakerState = "half_open"
)

// Breaker is an endpoint's circuit breaker, as the API shows it. After
// [Options.BreakerThreshold] consecutive failed attempts of the
// kind that is retried ([webhook.ClassRetry]: network errors, timeouts,
// 5xx, 429, ...) it opens: the endpoint's queued deliveries wait without
// spending any of their attempts, and after
// [Options.BreakerCooldown] one of them is let through as a
// probe. A probe the endpoint answers (delivered, or refused with a 4xx
// that is not retried) closes the breaker and wakes the waiting
// deliveries; a failed one opens it again for twice the cooldown, up to
// [Options.BreakerMaxCooldown]. The state is in the database, so
// every delivering process follows it.
type Breaker struct {
	// State is closed, open or half open.
	State BreakerState `json:"state"`
	// Failures counts the consecutive failed attempts since the endpoint
	// last answered.
	Failures int `json:"failures"`
	// OpenedAt is when the breaker opened, while it is not closed.
	OpenedAt *time.Time `json:"opened_at,omitempty"`
	// NextProbeAt is when the next probe may go (open), or when the
	// running probe is given up for lost (half open).
	NextProbeAt *time.Time `json:"next_probe_at,omitempty"`

	opens   int   // consecutive openings, for the cooldown's growth
	probeUS int64 // NextProbeAt as stored, for compare-and-set
	probing bool  // this run claimed the probe
}

// The breaker's columns, read with the endpoint's row (one query: a
// healthy endpoint, without a row, pays no round trip for its breaker).
const (
	breakerColumns = `COALESCE(breaker_state, 'closed'), COALESCE(breaker_failures, 0), COALESCE(breaker_opens, 0),
	COALESCE(breaker_opened_us, 0), COALESCE(breaker_probe_us, 0)`
	endpointFrom = `webhook_endpoint LEFT JOIN webhook_endpoint_breaker USING (endpoint_id)`
)

type breakerRow struct {
	state           string
	failures, opens int
	opened, probe   int64
}

func (b *breakerRow) dest() []any {
	return []any{&b.state, &b.failures, &b.opens, &b.opened, &b.probe}
}

func (b *breakerRow) breaker() Breaker {
	out := Breaker{State: BreakerState(b.state), Failures: b.failures, opens: b.opens, probeUS: b.probe}
	if out.State == "" {
		out.State = BreakerClosed
	}
	if b.opened != 0 {
		t := time.UnixMicro(b.opened)
		out.OpenedAt = &t
	}
	if b.probe != 0 {
		t := time.UnixMicro(b.probe)
		out.NextProbeAt = &t
	}
	return out
}

// cooldown is the wait before the probe after the breaker opened opens
// times in a row (0 for the first): BreakerCooldown, doubled each time, up
// to BreakerMaxCooldown.
func (o *Options) cooldown(opens int) time.Duration {
	d := o.BreakerCooldown
	for range min(opens, 62) {
		if d >= o.BreakerMaxCooldown/2 {
			return o.BreakerMaxCooldown
		}
		d *= 2
	}
	return min(d, o.BreakerMaxCooldown)
}

// probeRecheck is how often a delivery waiting for a running probe looks
// again: a probe usually takes a round trip, and the deliveries that parked
// while it ran may do so too late for the closing probe to wake them.
const probeRecheck = time.Second

// admitBreaker decides whether a run may attempt its delivery: at once
// with the breaker closed (no query), as the probe once the cooldown is
// over (the one run whose compare-and-set wins), or not before wait. The
// runs parked until a probe wake a little after it, spread over a tenth
// of their wait, so that the probe tends to come first.
func (e *Service[TTx]) admitBreaker(ctx context.Context, ep *Endpoint) (wait time.Duration, err error) {
	b := &ep.Breaker
	if e.opts.BreakerThreshold < 0 || b.State == BreakerClosed {
		return 0, nil
	}
	now := e.opts.Now()
	if us := now.UnixMicro(); us < b.probeUS {
		wait = time.Duration(b.probeUS-us) * time.Microsecond
		if b.State == BreakerHalfOpen {
			return min(wait, probeRecheck), nil
		}
		return wait + rand.N(wait/10+1), nil
	}
	// A probe lost with its process counts as failed once its lease ends.
	lease := now.Add(e.jobTimeout())
	n, err := e.db.Exec(ctx, `UPDATE webhook_endpoint_breaker SET breaker_state = 'half_open', breaker_probe_us = ?
	WHERE endpoint_id = ? AND breaker_state <> 'closed' AND breaker_probe_us = ?`, lease.UnixMicro(), ep.ID, b.probeUS)
	if err != nil {
		return 0, err
	}
	if n == 0 { // another run is probing, or closed it
		return probeRecheck, nil
	}
	b.State, b.probeUS, b.probing = BreakerHalfOpen, lease.UnixMicro(), true
	return 0, nil
}

// judgeBreaker counts the outcome of an attempt: an answer that is not
// retried (delivered, or a 4xx: the endpoint is up) closes the breaker and
// forgets the failures, a retryable failure counts and may open it, and a
// failed probe opens it again. A healthy endpoint's delivery makes no
// query.
func (e *Service[TTx]) judgeBreaker(ctx context.Context, ep *Endpoint, class webhook.Class) error {
	b := &ep.Breaker
	if e.opts.BreakerThreshold < 0 {
		return nil
	}
	now := e.opts.Now()
	up := class != webhook.ClassRetry
	switch {
	case up && b.State == BreakerClosed && b.Failures == 0:
		return nil
	case up:
		n, err := e.db.Exec(ctx, `UPDATE webhook_endpoint_breaker SET breaker_state = 'closed', breaker_failures = 0,
	breaker_opens = 0, breaker_opened_us = 0, breaker_probe_us = 0 WHERE endpoint_id = ? AND breaker_state <> 'closed'`, ep.ID)
		if err != nil || n == 0 {
			if err == nil {
				_, err = e.db.Exec(ctx, `UPDATE webhook_endpoint_breaker SET breaker_failures = 0 WHERE endpoint_id = ?`, ep.ID)
			}
			return err
		}
		e.breakerChanged(ctx, ep, Breaker{State: BreakerClosed})
		e.wakeParked(ctx, ep.ID)
		return nil
	case b.probing:
		b.Failures++
		return e.openBreaker(ctx, ep, now, b.opens, 1, `breaker_state = 'half_open' AND breaker_probe_us = ?`, b.probeUS)
	}
	var failures, opens int
	var state string
	err := core.QueryEach(ctx, e.db, `INSERT INTO webhook_endpoint_breaker (endpoint_id, breaker_state, breaker_failures,
	breaker_opens, breaker_opened_us, breaker_probe_us) VALUES (?, 'closed', 1, 0, 0, 0) ON CONFLICT (endpoint_id)
	DO UPDATE SET breaker_failures = webhook_endpoint_breaker.breaker_failures + 1
	RETURNING breaker_failures, breaker_state, breaker_opens`, []any{ep.ID}, func(r core.Rows) error {
		return r.Scan(&failures, &state, &opens)
	})
	if err != nil || failures < e.opts.BreakerThreshold || state != string(BreakerClosed) {
		return err
	}
	b.Failures, b.OpenedAt = failures, &now
	return e.openBreaker(ctx, ep, now, opens, 0, `breaker_state = 'closed'`)
}

// openBreaker opens the breaker at now for the cooldown after opens
// openings, adding failed to its failures, if its row still matches cond,
// and tells the hook.
func (e *Service[TTx]) openBreaker(ctx context.Context, ep *Endpoint, now time.Time, opens, failed int, cond string, args ...any) error {
	next := now.Add(e.opts.cooldown(opens))
	n, err := e.db.Exec(ctx, `UPDATE webhook_endpoint_breaker SET breaker_state = 'open', breaker_opens = ?,
	breaker_failures = breaker_failures + ?, breaker_probe_us = ?,
	breaker_opened_us = CASE WHEN breaker_opened_us = 0 THEN ? ELSE breaker_opened_us END
	WHERE endpoint_id = ? AND `+cond, append([]any{opens + 1, failed, next.UnixMicro(), now.UnixMicro(), ep.ID}, args...)...)
	if err != nil || n == 0 {
		return err
	}
	opened := now
	if ep.Breaker.OpenedAt != nil {
		opened = *ep.Breaker.OpenedAt
	}
	e.breakerChanged(ctx, ep, Breaker{State: BreakerOpen, Failures: ep.Breaker.Failures, OpenedAt: &opened, NextProbeAt: &next})
	return nil
}

// breakerChanged tells the OnBreaker hook about a change this run made.
func (e *Service[TTx]) breakerChanged(ctx context.Context, ep *Endpoint, b Breaker) {
	ep.Breaker = b
	if e.opts.OnBreaker != nil {
		e.opts.OnBreaker(ctx, *ep)
	}
}

// maxWake bounds the deliveries a closing breaker wakes at once; the
// others run when their wait ends.
const maxWake = 500

// wakeParked makes the endpoint's waiting deliveries (parked by the
// breaker, or retrying) due now, once its breaker closed. It is an
// optimisation: each would run anyway when its wait ends.
func (e *Service[TTx]) wakeParked(ctx context.Context, endpointID string) {
	c, err := e.rt.River()
	if err != nil {
		return
	}
	p := e.jobsOf(endpointID, "").States(rivertype.JobStateScheduled, rivertype.JobStateRetryable).First(maxWake)
	res, err := c.JobList(ctx, p)
	if err != nil {
		e.rt.Logger().Error("durable: waking deliveries", "endpoint_id", endpointID, "error", err)
		return
	}
	for _, j := range res.Jobs {
		if _, err := c.JobRetry(ctx, j.ID); err != nil && ctx.Err() != nil {
			return
		}
	}
}

// metaParked is the job metadata key counting the runs that sent nothing
// and snoozed (see [park]).
const metaParked = "webhook_parked"

// park puts a delivery back for d without spending an attempt: River's
// JobSnooze gives the run's attempt back (it stores Attempt-1; see
// river.JobSnooze and its job executor) and counts a snooze in the job's
// metadata. The run number counts snoozes as runs (signedtime.go: earlier
// versions snoozed after sending), so park counts its own under metaParked
// and [parkedRuns] takes them off.
func (e *Service[TTx]) park(ctx context.Context, job *river.Job[core.EndpointArgs], d time.Duration) error {
	if e.parkHook != nil {
		d = e.parkHook(job.ID, d)
	}
	// A delivery waiting for a down endpoint yields to every other: it
	// drops to River's lowest priority, which its later runs keep, so that
	// its wake-ups (at each probe) never go ahead of another application's
	// deliveries, whatever its application's volume made its priority.
	if job.Priority < lowestPriority {
		if _, err := e.db.Exec(ctx, `UPDATE river_job SET priority = ? WHERE id = ?`, lowestPriority, job.ID); err != nil {
			e.rt.Logger().Warn("durable: lowering a parked delivery's priority", "job_id", job.ID, "error", err)
		}
	}
	// MetadataSet fails only outside a worker; Work is inside one.
	_ = river.MetadataSet(ctx, metaParked, parkedRuns(job.Metadata)+1)
	return river.JobSnooze(max(d, 0))
}

// lowestPriority is River's lowest job priority.
const lowestPriority = 4

// parkedRuns returns how many runs of a job [park] put back.
func parkedRuns(metadata []byte) int {
	if !bytes.Contains(metadata, []byte(`"`+metaParked+`"`)) {
		return 0
	}
	return int(gjson.GetBytes(metadata, metaParked).Int())
}
