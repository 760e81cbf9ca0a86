package durable

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/riverqueue/river"
	webhook "github.com/signedhooks/webhook"
	"github.com/tidwall/gjson"
)

// endpointWorker makes one delivery attempt per job run, with the
// endpoint's settings and live secrets as they are at that moment.
// Without Endpoints on the runtime, it only declares the kind (see
// [deliveryWorker]).
type endpointWorker[TTx any] struct {
	river.WorkerDefaults[endpointArgs]
	rt *Runtime[TTx]
}

func (w *endpointWorker[TTx]) NextRetry(job *river.Job[endpointArgs]) time.Time {
	if e := w.rt.endpoints; e != nil {
		return retryAt(e.opts.Retry, job.Attempt, e.waits.take(job.ID))
	}
	return time.Time{} // the client's policy
}

// Timeout gives a delivery room for its AttemptTimeout.
func (w *endpointWorker[TTx]) Timeout(*river.Job[endpointArgs]) time.Duration {
	if e := w.rt.endpoints; e != nil {
		return e.jobTimeout()
	}
	return 0 // the client's JobTimeout
}

func (w *endpointWorker[TTx]) Work(ctx context.Context, job *river.Job[endpointArgs]) error {
	e, args := w.rt.endpoints, job.Args
	if e == nil {
		return river.JobSnooze(0) // never fetched: the queue is not worked here
	}
	ep, err := loadEndpoint(ctx, e.db, args.EndpointID)
	if errors.Is(err, ErrUnknownEndpoint) {
		return river.JobCancel(errors.New("durable: endpoint deleted"))
	}
	if err != nil {
		return err
	}
	if !ep.Enabled {
		return river.JobCancel(errors.New("durable: endpoint disabled"))
	}
	wait, err := e.admitBreaker(ctx, &ep)
	if err != nil {
		return err
	}
	if wait > 0 {
		return e.park(ctx, job, wait) // an open breaker: no attempt spent
	}
	msg, err := loadMessage(ctx, e.db, args.AppID, args.MessageID)
	if errors.Is(err, ErrUnknownMessage) {
		return river.JobCancel(errors.New("durable: message deleted"))
	}
	if err != nil {
		return err
	}
	secrets, err := liveSecrets(ctx, e.db, ep.ID, e.opts.Now())
	if err != nil {
		return err
	}
	sender, err := e.senders.get(&ep, secrets)
	if err != nil {
		return river.JobCancel(err)
	}
	// Versions before one retry policy snoozed on Retry-After, which River
	// counts apart: a run's number counts those runs too, but not the runs
	// an open breaker parked.
	run := job.Attempt + int(gjson.GetBytes(job.Metadata, "snoozes").Int()) - parkedRuns(job.Metadata)
	// The stored payload is the event's data: the Sender wraps it in the
	// envelope with the id and the type, so the receiver gets all three in
	// the signed bytes. Publish checked that the payload is JSON.
	a, _ := sender.Attempt(ctx, ep.URL, webhook.Message{ID: msg.ID, Type: msg.EventType, Data: json.RawMessage(msg.Payload)},
		webhook.AttemptOptions{Number: run, After: signedBefore(job.Metadata, job.ScheduledAt, run)})
	markSigned(ctx, run, a.SignedAt)
	rec := EndpointAttempt{EndpointID: ep.ID, MessageID: msg.ID, Number: a.Number, At: a.Start, Latency: a.Latency,
		StatusCode: a.StatusCode, Outcome: a.Class.String(), Response: string(a.Response)}
	if a.Start.IsZero() {
		rec.At = e.opts.Now()
	}
	if a.Err != nil {
		rec.Error = a.Err.Error()
	}
	aborted := ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled)
	if aborted {
		rec.Outcome = string(outcomeAborted) // stopping: River requeues the job
	}
	// Record and judge health even when stopping, with a context of its own.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := e.recordAttempt(rctx, args.AppID, job.ID, &rec); err != nil {
		e.rt.opts.Logger.Error("durable: recording attempt", "message_id", msg.ID, "endpoint_id", ep.ID, "error", err)
	}
	e.rt.opts.Hooks.attempted(ctx, AttemptInfo{Queue: QueueEndpoints, JobID: job.ID, MessageID: msg.ID, EventType: msg.EventType,
		EndpointID: ep.ID, AppID: args.AppID, Number: a.Number, StatusCode: a.StatusCode, Latency: a.Latency, Class: a.Class,
		Outcome: rec.Outcome, Err: a.Err})
	if aborted {
		return ctx.Err()
	}
	disabled, err := e.judgeHealth(rctx, &ep, a.Class)
	if err != nil {
		e.rt.opts.Logger.Error("durable: endpoint health", "endpoint_id", ep.ID, "error", err)
	}
	switch {
	case a.Class == webhook.ClassDelivered:
		return nil
	case disabled:
		return river.JobCancel(errors.New("durable: endpoint disabled (" + ep.DisabledReason + "): " + rec.Error))
	case a.Class != webhook.ClassRetry:
		return river.JobCancel(errors.New(rec.Error))
	}
	e.waits.set(job.ID, a.RetryAfter) // for NextRetry, which River calls next
	return errors.New(rec.Error)
}

// judgeHealth judges an endpoint by the outcome of an attempt: it keeps
// the start of its current run of failures and disables it once the run is
// DisableAfter long ("failing"), or at once on a 410 ("gone"), and counts
// the outcome in its circuit breaker. It reports whether this call disabled
// it; the OnDisable hook is called then, once.
func (e *Endpoints[TTx]) judgeHealth(ctx context.Context, ep *Endpoint, class webhook.Class) (bool, error) {
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
		_, err := e.db.exec(ctx, `UPDATE webhook_endpoint SET failing_since_us = 0 WHERE endpoint_id = ?`, ep.ID)
		return false, err
	case ep.FailingSince == nil:
		_, err := e.db.exec(ctx, `UPDATE webhook_endpoint SET failing_since_us = ? WHERE endpoint_id = ? AND failing_since_us = 0`,
			now.UnixMicro(), ep.ID)
		return false, err
	case now.Sub(*ep.FailingSince) < e.opts.DisableAfter:
		return false, nil
	}
	return e.disable(ctx, ep, "failing", now)
}

// disable disables an endpoint for reason, unless it is disabled already,
// and then tells the OnDisable hook.
func (e *Endpoints[TTx]) disable(ctx context.Context, ep *Endpoint, reason string, now time.Time) (bool, error) {
	n, err := e.db.exec(ctx, `UPDATE webhook_endpoint SET enabled = 0, disabled_reason = ?, version = version + 1,
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

func (e *Endpoints[TTx]) recordAttempt(ctx context.Context, appID string, jobID int64, a *EndpointAttempt) error {
	_, err := e.db.exec(ctx, `INSERT INTO webhook_endpoint_attempt (app_id, endpoint_id, message_id, job_id, attempt,
	attempted_at_us, latency_us, status_code, outcome, error, response) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		appID, a.EndpointID, a.MessageID, jobID, a.Number, a.At.UnixMicro(), a.Latency.Microseconds(), a.StatusCode,
		a.Outcome, cleanText(a.Error), cleanText(a.Response))
	return err
}

func loadMessage(ctx context.Context, r runner, appID, messageID string) (MessageRecord, error) {
	var m MessageRecord
	var us int64
	found := false
	err := queryEach(ctx, r, `SELECT id, message_id, event_type, payload, created_us FROM webhook_message
	WHERE app_id = ? AND message_id = ?`, []any{appID, messageID}, func(r rows) error {
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
