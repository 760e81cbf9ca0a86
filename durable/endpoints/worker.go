package endpoints

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/riverqueue/river"
	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/internal/core"
)

// worker makes one delivery attempt per job run, with the endpoint's
// settings and live secrets as they are at that moment. It is what a
// Service attaches to its durable.Runtime ([core.Attached]); a Runtime
// without one only declares the kind.
type worker[TTx any] struct{ e *Service[TTx] }

func (w worker[TTx]) NextRetry(job *river.Job[core.EndpointArgs]) time.Time {
	return core.RetryAt(w.e.opts.Retry, job.Attempt, w.e.waits.Take(job.ID))
}

// Timeout gives a delivery room for its AttemptTimeout.
func (w worker[TTx]) Timeout(*river.Job[core.EndpointArgs]) time.Duration { return w.e.jobTimeout() }

func (w worker[TTx]) Queue() (int, bool)        { return w.e.opts.MaxWorkers, w.e.opts.EnqueueOnly }
func (w worker[TTx]) JobTimeout() time.Duration { return w.e.jobTimeout() }
func (w worker[TTx]) Start()                    {}
func (w worker[TTx]) Close()                    { w.e.senders.closeAll() }

func (w worker[TTx]) Work(ctx context.Context, job *river.Job[core.EndpointArgs]) error {
	e, args := w.e, job.Args
	// A snooze when the endpoint's slots are busy or its rate is booked;
	// before the breaker, so that a probe it admits is sent at once.
	ep, secrets, pass, err := e.admit(ctx, job)
	if err != nil {
		return err
	}
	defer func() { pass.Leave(ctx) }() // unless finish released it
	wait, err := e.admitBreaker(ctx, &ep)
	if err != nil {
		return err
	}
	if wait > 0 {
		return e.park(ctx, job, wait) // an open breaker: no attempt spent
	}
	msg, err := e.message(ctx, args.AppID, args.MessageID)
	if errors.Is(err, ErrUnknownMessage) {
		return river.JobCancel(errors.New("durable: message deleted"))
	}
	if err != nil {
		return err
	}
	sender, err := e.senders.get(&ep, secrets)
	if err != nil {
		return river.JobCancel(err)
	}
	if err := pass.admit(ctx); err != nil {
		return err // a snooze until the rate limit admits the request
	}
	// The runs an open breaker parked or the gate snoozed sent nothing.
	run := core.Run(job.JobRow, parkedRuns(job.Metadata)+gateSnoozes(job.Metadata))
	// The stored payload is the event's data: the Sender wraps it in the
	// envelope with the id and the type, so the receiver gets all three in
	// the signed bytes. Publish checked that the payload is JSON.
	res := core.Attempt(ctx, sender, ep.URL, webhook.Message{ID: msg.ID, Type: msg.EventType, Data: json.RawMessage(msg.Payload)},
		job.JobRow, run, e.opts.Now)
	rec := Attempt{EndpointID: ep.ID, MessageID: msg.ID, Number: res.Number, At: res.At, Latency: res.Latency,
		StatusCode: res.StatusCode, Outcome: res.Outcome, Error: res.Error, Response: string(res.Response)}
	// Record and judge health even when stopping, with a context of its own.
	rctx, cancel := core.Detached(ctx)
	defer cancel()
	e.finish(rctx, args.AppID, job.ID, &rec, &pass)
	e.rt.Attempted(ctx, durable.AttemptInfo{Queue: durable.QueueEndpoints, JobID: job.ID, MessageID: msg.ID, EventType: msg.EventType,
		EndpointID: ep.ID, AppID: args.AppID, Number: res.Number, StatusCode: res.StatusCode, Latency: res.Latency, Class: res.Class,
		Outcome: rec.Outcome, Err: res.Err})
	if res.Aborted {
		return ctx.Err()
	}
	disabled, err := e.judgeHealth(rctx, &ep, res.Class)
	if err != nil {
		e.rt.Logger().Error("durable: endpoint health", "endpoint_id", ep.ID, "error", err)
	}
	if disabled && res.Class != webhook.ClassDelivered {
		return river.JobCancel(errors.New("durable: endpoint disabled (" + ep.DisabledReason + "): " + rec.Error))
	}
	return res.Verdict(ctx, &e.waits, job.ID)
}

// admit reads the job's endpoint and its live secrets, from memory while
// they are current (cache.go), and lets the job through the gate: it
// returns the pass, or the error that ends the run (a snooze, a cancel for
// a deleted or disabled endpoint, or a database error).
func (e *Service[TTx]) admit(ctx context.Context, job *river.Job[core.EndpointArgs]) (Endpoint, []storedSecret, gatePass, error) {
	id := job.Args.EndpointID
	if !validText(id) { // no such id can be stored; nor may it spoil a batch
		return Endpoint{}, nil, gatePass{}, river.JobCancel(errors.New("durable: endpoint deleted"))
	}
	if ce, ok := e.endpoints.get(id); ok && ce.ep.RateLimit == 0 {
		st, taken, found, err := e.gate.takeChecked(ctx, id, job.ID)
		if err != nil {
			return Endpoint{}, nil, gatePass{}, err
		}
		if !found {
			e.endpoints.drop(id)
			return Endpoint{}, nil, gatePass{}, river.JobCancel(errors.New("durable: endpoint deleted"))
		}
		if st.version == ce.ep.version {
			ep := ce.ep
			st.apply(&ep)
			if !ep.Enabled { // disabling bumps the version: seldom here
				return Endpoint{}, nil, gatePass{}, river.JobCancel(errors.New("durable: endpoint disabled"))
			}
			pass, err := e.gate.enterTaken(ctx, &ep, job, taken)
			return ep, ce.live(e.opts.Now()), pass, err
		}
		if taken { // changed: read it again, and enter the gate by its new settings
			e.gate.leave(ctx, id, job.ID)
		}
	}
	ep, err := loadEndpoint(ctx, e.db, id)
	if errors.Is(err, ErrUnknownEndpoint) {
		e.endpoints.drop(id)
		return Endpoint{}, nil, gatePass{}, river.JobCancel(errors.New("durable: endpoint deleted"))
	}
	if err != nil {
		return Endpoint{}, nil, gatePass{}, err
	}
	if !ep.Enabled {
		return Endpoint{}, nil, gatePass{}, river.JobCancel(errors.New("durable: endpoint disabled"))
	}
	secrets, err := e.liveSecrets(ctx, e.db, ep.ID, e.opts.Now())
	if err != nil {
		return Endpoint{}, nil, gatePass{}, err
	}
	e.endpoints.put(ep, secrets)
	pass, err := e.gate.enter(ctx, &ep, job)
	return ep, secrets, pass, err
}

// message returns a delivery's message, from memory if a delivery of it
// read it lately.
func (e *Service[TTx]) message(ctx context.Context, appID, messageID string) (MessageRecord, error) {
	return e.messages.load(appID, messageID, func() (MessageRecord, error) { return loadMessage(ctx, e.db, appID, messageID) })
}

// finish records an attempt and releases its pass's slot, with the
// attempts of concurrent workers (finish.go), then wakes the next job in
// the endpoint's line. If the release failed, the pass is left for Leave.
func (e *Service[TTx]) finish(ctx context.Context, appID string, jobID int64, rec *Attempt, pass *gatePass) {
	p := &pendingFinish{appID: appID, jobID: jobID, a: rec}
	e.fin.do(p)
	if p.recErr != nil {
		e.rt.Logger().Error("durable: recording attempt", "message_id", rec.MessageID, "endpoint_id", rec.EndpointID, "error", p.recErr)
	}
	if p.freeErr != nil || pass.g == nil {
		return
	}
	g := pass.g
	pass.g = nil // released
	if len(p.line) > 0 {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		g.wakeLine(ctx, rec.EndpointID, p.line)
	}
}

// judgeHealth judges an endpoint by the outcome of an attempt: it keeps
// the start of its current run of failures and disables it once the run is
// DisableAfter long ("failing"), or at once on a 410 ("gone"), and counts
// the outcome in its circuit breaker. It reports whether this call disabled
// it; the OnDisable hook is called then, once.
func (e *Service[TTx]) judgeHealth(ctx context.Context, ep *Endpoint, class webhook.Class) (bool, error) {
	now := e.opts.Now()
	if class == webhook.ClassGone {
		return e.disable(ctx, ep, "gone", now)
	}
	if err := e.judgeBreaker(ctx, ep, class); err != nil {
		return false, err
	}
	ok := class == webhook.ClassDelivered
	switch {
	case ok && ep.FailingSince == nil:
		return false, nil
	case ok:
		_, err := e.db.Exec(ctx, `UPDATE webhook_endpoint SET failing_since_us = 0 WHERE endpoint_id = ?`, ep.ID)
		return false, err
	case ep.FailingSince == nil:
		_, err := e.db.Exec(ctx, `UPDATE webhook_endpoint SET failing_since_us = ? WHERE endpoint_id = ? AND failing_since_us = 0`,
			now.UnixMicro(), ep.ID)
		return false, err
	case now.Sub(*ep.FailingSince) < e.opts.DisableAfter:
		return false, nil
	}
	return e.disable(ctx, ep, "failing", now)
}

// disable disables an endpoint for reason, unless it is disabled already,
// and then tells the OnDisable hook.
func (e *Service[TTx]) disable(ctx context.Context, ep *Endpoint, reason string, now time.Time) (bool, error) {
	n, err := e.db.Exec(ctx, `UPDATE webhook_endpoint SET enabled = 0, disabled_reason = ?, version = version + 1,
	updated_us = ? WHERE endpoint_id = ? AND enabled = 1`, reason, now.UnixMicro(), ep.ID)
	if err != nil || n == 0 {
		return false, err
	}
	ep.Enabled, ep.DisabledReason, ep.UpdatedAt = false, reason, now
	if e.opts.OnDisable != nil {
		e.opts.OnDisable(ctx, *ep)
	}
	return true, nil
}

func loadMessage(ctx context.Context, r core.Runner, appID, messageID string) (MessageRecord, error) {
	var m MessageRecord
	var us int64
	found := false
	err := core.QueryEach(ctx, r, `SELECT id, message_id, event_type, payload, created_us FROM webhook_message
	WHERE app_id = ? AND message_id = ?`, []any{appID, messageID}, func(r core.Rows) error {
		found = true
		return r.Scan(&m.seq, &m.ID, &m.EventType, (*[]byte)(&m.Payload), &us)
	})
	if err != nil {
		return MessageRecord{}, err
	}
	if !found {
		return MessageRecord{}, ErrUnknownMessage
	}
	m.CreatedAt = time.UnixMicro(us)
	return m, nil
}
