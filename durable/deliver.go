package durable

import (
	"github.com/signedhooks/webhook/durable/internal/core"

	"context"
	"encoding/json"
	"time"

	"github.com/riverqueue/river"

	webhook "github.com/signedhooks/webhook"
)

// deliveryArgs is an outbox message as stored in River: a raw Payload, or
// Data (the message's Data, marshalled at enqueue) that the Sender puts in
// its envelope with Type. Both are byte slices (base64 in JSON) so that
// they are sent byte for byte: PostgreSQL's jsonb would reorder a JSON
// payload's keys. Jobs queued before Type and Data existed carry only a
// payload and are sent as before.
type deliveryArgs struct {
	ID      string `json:"id" river:"unique"`
	URL     string `json:"url"`
	Type    string `json:"type,omitempty"`
	Data    []byte `json:"data,omitempty"`
	Payload []byte `json:"payload,omitempty"`
}

// message returns the webhook.Message that a run of a job sends.
func (a *deliveryArgs) message() webhook.Message {
	m := webhook.Message{ID: a.ID, Type: a.Type}
	switch {
	case a.Data != nil:
		m.Data = json.RawMessage(a.Data)
	case a.Payload != nil:
		m.Payload = a.Payload
	default:
		m.Payload = []byte{} // an old job with an empty payload
	}
	return m
}

func (deliveryArgs) Kind() string { return core.DeliveryKind }

func (deliveryArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: core.OutboxQueue, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: core.AllStates}}
}

// deliveryWorker makes one delivery attempt per job run, for the
// runtime's Outbox. Without one, the runtime only declares the kind (its
// queue is not worked here) so that its rescuer retries stuck deliveries.
type deliveryWorker[TTx any] struct {
	river.WorkerDefaults[deliveryArgs]
	rt *Runtime[TTx]
}

func (w *deliveryWorker[TTx]) NextRetry(job *river.Job[deliveryArgs]) time.Time {
	if o := w.rt.outbox; o != nil {
		return core.RetryAt(o.retry, job.Attempt, o.waits.Take(job.ID))
	}
	return time.Time{} // the client's policy
}

func (w *deliveryWorker[TTx]) Work(ctx context.Context, job *river.Job[deliveryArgs]) error {
	o := w.rt.outbox
	if o == nil {
		return river.JobSnooze(0) // never fetched: the queue is not worked here
	}
	run := core.Run(job.JobRow, 0)
	res := core.Attempt(ctx, o.sender, job.Args.URL, job.Args.message(), job.JobRow, run, time.Now)
	a := Attempt{
		MessageID:  job.Args.ID,
		JobID:      job.ID,
		Number:     run,
		At:         res.At,
		Latency:    res.Latency,
		StatusCode: res.StatusCode,
		Outcome:    res.Outcome,
		Error:      res.Error,
		Response:   string(res.Response[:min(len(res.Response), core.MaxSnippet)]),
	}
	rctx, cancel := core.Detached(ctx) // record even when stopping
	err := o.log.record(rctx, &a)
	cancel()
	if err != nil {
		o.rt.opts.Logger.Error("durable: recording attempt", "message_id", job.Args.ID, "error", err)
	}
	o.rt.opts.Hooks.attempted(ctx, AttemptInfo{Queue: QueueOutbox, JobID: job.ID, MessageID: a.MessageID, EventType: job.Args.Type,
		Number: run, StatusCode: res.StatusCode, Latency: res.Latency, Class: res.Class, Outcome: a.Outcome, Err: res.Err})
	return res.Verdict(ctx, &o.waits, job.ID)
}
