package durable

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable/internal/core"
)

// deliveryWorker makes one delivery attempt per job run, for an Outbox:
// it is what the Outbox attaches to its Runtime ([core.Attached]). A
// Runtime without an Outbox only declares the kind (its queue is not
// worked there) so that its rescuer retries stuck deliveries.
type deliveryWorker[TTx any] struct {
	rt     *Runtime[TTx]
	sender *webhook.Sender
	retry  webhook.RetryPolicy
	// maxWorkers and enqueueOnly are the Outbox's options.
	maxWorkers  int
	enqueueOnly bool
	waits       core.RetryAfters
	log         *attemptLog[TTx] // while rt runs
}

func (w *deliveryWorker[TTx]) Queue() (int, bool)        { return w.maxWorkers, w.enqueueOnly }
func (w *deliveryWorker[TTx]) JobTimeout() time.Duration { return 0 }

func (w *deliveryWorker[TTx]) Timeout(*river.Job[core.DeliveryArgs]) time.Duration { return 0 }

// Start starts the attempt log, which writes the attempts in batches.
func (w *deliveryWorker[TTx]) Start() {
	w.log = newAttemptLog(w.rt.backend, w.rt.opts.Retention, w.rt.opts.Logger)
	w.log.start()
}

// Close closes the attempt log: every worker has returned, no more
// attempts come.
func (w *deliveryWorker[TTx]) Close() {
	if w.log != nil {
		w.log.close()
		w.log = nil
	}
}

func (w *deliveryWorker[TTx]) NextRetry(job *river.Job[core.DeliveryArgs]) time.Time {
	return core.RetryAt(w.retry, job.Attempt, w.waits.Take(job.ID))
}

func (w *deliveryWorker[TTx]) Work(ctx context.Context, job *river.Job[core.DeliveryArgs]) error {
	run := core.Run(job.JobRow, 0)
	res := core.Attempt(ctx, w.sender, job.Args.URL, job.Args.Message(), job.JobRow, run, time.Now)
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
	err := w.log.record(rctx, &a)
	cancel()
	if err != nil {
		w.rt.opts.Logger.Error("durable: recording attempt", "message_id", job.Args.ID, "error", err)
	}
	w.rt.opts.Hooks.attempted(ctx, AttemptInfo{Queue: QueueOutbox, JobID: job.ID, MessageID: a.MessageID, EventType: job.Args.Type,
		Number: run, StatusCode: res.StatusCode, Latency: res.Latency, Class: res.Class, Outcome: a.Outcome, Err: res.Err})
	return res.Verdict(ctx, &w.waits, job.ID)
}
