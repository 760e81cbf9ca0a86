package durable

import (
	"github.com/signedhooks/webhook/durable/internal/core"

	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	webhook "github.com/signedhooks/webhook"
)

// eventArgs is an inbox event as stored in River; unique by id whatever its
// state, so a redelivered event is stored once.
type eventArgs struct {
	ID        string `json:"id" river:"unique"`
	Type      string `json:"type,omitempty"`
	Timestamp int64  `json:"ts,omitempty"`
	Payload   []byte `json:"payload"`
}

func (eventArgs) Kind() string { return core.EventKind }

func (eventArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: core.InboxQueue, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: core.AllStates}}
}

func newEventArgs(ev webhook.Event) eventArgs {
	if ev.ID == "" {
		ev.ID = webhook.NewMessageID()
	}
	a := eventArgs{ID: ev.ID, Type: ev.Type, Payload: ev.Payload}
	if !ev.Timestamp.IsZero() {
		a.Timestamp = ev.Timestamp.Unix()
	}
	return a
}

// eventWorker runs the runtime's Inbox handler once per job run. Without
// an Inbox, the runtime only declares the kind (see [deliveryWorker]).
type eventWorker[TTx any] struct {
	river.WorkerDefaults[eventArgs]
	rt *Runtime[TTx]
}

func (w *eventWorker[TTx]) NextRetry(job *river.Job[eventArgs]) time.Time {
	if in := w.rt.inbox; in != nil {
		return core.RetryAt(in.opts.Retry, job.Attempt, 0)
	}
	return time.Time{} // the client's policy
}

func (w *eventWorker[TTx]) Work(ctx context.Context, job *river.Job[eventArgs]) error {
	in := w.rt.inbox
	if in == nil {
		return river.JobSnooze(0) // never fetched: the queue is not worked here
	}
	ev := webhook.Event{ID: job.Args.ID, Type: job.Args.Type, Payload: job.Args.Payload}
	if job.Args.Timestamp != 0 {
		ev.Timestamp = time.Unix(job.Args.Timestamp, 0)
	}
	err := in.handle(context.WithValue(ctx, attemptKey{}, job.Attempt), ev)
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

var _ rivertype.JobArgs = eventArgs{}
