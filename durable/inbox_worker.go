package durable

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable/internal/core"
)

// eventWorker runs an Inbox's handler once per job run: it is what the
// Inbox attaches to its Runtime ([core.Attached]). A Runtime without an
// Inbox only declares the kind (see [deliveryWorker]).
type eventWorker struct {
	handle webhook.EventHandlerFunc
	retry  webhook.RetryPolicy
	// maxWorkers and enqueueOnly are the Inbox's options.
	maxWorkers  int
	enqueueOnly bool
}

func (w *eventWorker) Queue() (int, bool)                               { return w.maxWorkers, w.enqueueOnly }
func (w *eventWorker) JobTimeout() time.Duration                        { return 0 }
func (w *eventWorker) Timeout(*river.Job[core.EventArgs]) time.Duration { return 0 }
func (w *eventWorker) Start()                                           {}
func (w *eventWorker) Close()                                           {}

func (w *eventWorker) NextRetry(job *river.Job[core.EventArgs]) time.Time {
	return core.RetryAt(w.retry, job.Attempt, 0)
}

func (w *eventWorker) Work(ctx context.Context, job *river.Job[core.EventArgs]) error {
	err := w.handle(context.WithValue(ctx, attemptKey{}, job.Attempt), job.Args.Event())
	if errors.Is(err, webhook.ErrUnprocessable) {
		return river.JobCancel(err) // a poison message: recorded, not retried
	}
	return err
}

type attemptKey struct{}

// AttemptFromContext returns which run of its event's handler ctx belongs
// to, counted from 1, or 0 outside an inbox handler.
func AttemptFromContext(ctx context.Context) int {
	n, _ := ctx.Value(attemptKey{}).(int)
	return n
}
