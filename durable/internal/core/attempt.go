package core

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/tidwall/gjson"

	webhook "github.com/signedhooks/webhook"
)

// The attempt step is what the delivery workers (the outbox's and the
// endpoints') do with a job run once they know what to send and with which
// Sender: number the run, sign after every earlier run's signature, send
// one attempt, record its signed time in the job, judge its outcome and,
// once the worker has recorded it, turn it into River's verdict.

// Run returns the number of a job's current run: River's Attempt, plus the
// snoozes versions before one retry policy made on Retry-After (River
// counts them apart, and they were attempts), minus notSent, the runs the
// worker's own snoozes made without sending anything.
func Run(job *rivertype.JobRow, notSent int) int {
	return job.Attempt + int(gjson.GetBytes(job.Metadata, "snoozes").Int()) - notSent
}

// Result is one attempt as the step made it.
type Result struct {
	webhook.AttemptReport
	// At is when the request was sent, or when the attempt failed before
	// sending.
	At time.Time
	// Outcome is what the attempt logs record: the Class's name, or
	// OutcomeAborted.
	Outcome string
	// Error is the attempt's error as text; empty when delivered.
	Error string
	// Aborted reports an attempt cut short because the worker was
	// stopping: River puts the job back, and the attempt does not count.
	Aborted bool
}

// Attempt makes the attempt of run number run of job: msg to url with s,
// signed at least a second after every earlier run's signature, whose
// signed time it records in the job's metadata. now dates an attempt that
// failed before it was sent.
func Attempt(ctx context.Context, s *webhook.Sender, url string, msg webhook.Message, job *rivertype.JobRow,
	run int, now func() time.Time) Result {
	rep, _ := s.Attempt(ctx, url, msg, webhook.AttemptOptions{
		Number: run,
		After:  SignedBefore(job.Metadata, job.ScheduledAt, run),
	})
	MarkSigned(ctx, run, rep.SignedAt)
	o := Result{AttemptReport: rep, At: rep.Start, Outcome: rep.Class.String()}
	if o.At.IsZero() {
		o.At = now()
	}
	if rep.Err != nil {
		o.Error = rep.Err.Error()
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		o.Outcome, o.Aborted = OutcomeAborted, true // stopping: River requeues the job
	}
	return o
}

// Detached returns the context a worker records an attempt in: it
// outlives a stop of ctx, by at most 10 seconds.
func Detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
}

// Verdict is what the worker returns to River for o once it is recorded:
// the stop's error for an aborted attempt, nil when delivered, an error
// that River retries (waits then holds the Retry-After for NextRetry,
// which River calls next), or a cancel when retrying cannot help
// (permanent or gone).
func (o *Result) Verdict(ctx context.Context, waits *RetryAfters, jobID int64) error {
	switch {
	case o.Aborted:
		return ctx.Err()
	case o.Class == webhook.ClassDelivered:
		return nil
	case o.Class == webhook.ClassRetry:
		waits.Set(jobID, o.RetryAfter)
		return errors.New(o.Error)
	}
	return river.JobCancel(errors.New(o.Error))
}
