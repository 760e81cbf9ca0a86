package core

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/tidwall/gjson"
)

// Every attempt of a message must carry a signature of its own: the
// receiver's replay guard refuses a signature it has seen, so a retry signed
// in the same second as the previous attempt (same id, same body, same
// timestamp, so the same bytes) would be refused as a replay. The workers
// therefore pass [webhook.AttemptOptions.After], the signed time of the
// previous attempt, and the Sender signs at least one second later. Runs of
// one job can happen in different processes, whose clocks differ, so the
// previous run's signed time travels with the job:
//
//   - Each run that signs records its signed time and its run number in the
//     job's metadata (MetaSigned). River merges the metadata when the run
//     ends, whatever its outcome (completed, retried, snoozed, cancelled,
//     interrupted by Stop), so the next run, in any process, reads the exact
//     time, on the signing Sender's own clock (an injected Now included).
//
//   - A run can end without recording it: its process crashed after sending
//     and River's rescuer put the job back, or the job was queued and run by
//     a version of this package that did not record it. River's error list
//     does not help there: an AttemptError's At is when the run started, so
//     it bounds the signed time from below, not from above. The job's
//     ScheduledAt does: River sets it after a run ends or is rescued (the
//     retry's NextRetry, the snooze's wake-up time, the rescuer's retry
//     time), on the clock of the process that ran the job or rescued it,
//     after the signature. So the bound is unixFloor(ScheduledAt), and one
//     second past the last recorded time, which covers a run that signed
//     ahead of its own clock because of its After. Reading River's clock,
//     it is sound for workers whose clocks agree to well within RescueAfter,
//     and at most a second or so later than needed, far inside any
//     receiver's tolerance.
//
// run is the job's run number, Attempt + snoozes: River counts a snoozed run
// as no attempt but as one snooze, and puts an interrupted run back without
// spending either, so the number grows by one per run except after an
// interruption, which leaves it as it was.

// MetaSigned is the job metadata key of the last run's signature.
const MetaSigned = "webhook_signed"

// signedMeta is the value stored under MetaSigned.
type signedMeta struct {
	At  int64 `json:"at"`  // signed time, Unix seconds
	Run int   `json:"run"` // the run that signed (Attempt + snoozes)
}

// MarkSigned records in the job's metadata that run signed at at. River
// stores it when the run ends; a zero at (nothing was signed) records
// nothing.
func MarkSigned(ctx context.Context, run int, at time.Time) {
	if at.IsZero() {
		return
	}
	// MetadataSet fails only outside a worker; Work is inside one.
	_ = river.MetadataSet(ctx, MetaSigned, signedMeta{At: at.Unix(), Run: run})
}

// SignedBefore returns an upper bound of the signed time of every earlier
// run of a job now on run number run, scheduled at scheduledAt, or the zero
// time when no earlier run signed anything (see the comment above).
func SignedBefore(metadata []byte, scheduledAt time.Time, run int) time.Time {
	rec := gjson.GetBytes(metadata, MetaSigned)
	at := rec.Get("at").Int()
	switch {
	case at > 0 && int(rec.Get("run").Int()) >= run-1:
		return time.Unix(at, 0) // the previous run recorded it: exact
	case at <= 0 && run <= 1:
		return time.Time{} // the first run
	}
	bound := time.Unix(scheduledAt.Unix(), 0)
	if next := time.Unix(at+1, 0); at > 0 && next.After(bound) {
		bound = next
	}
	return bound
}
