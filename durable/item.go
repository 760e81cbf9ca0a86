package durable

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/signedhooks/webhook/durable/internal/core"
)

// State is where an outbox message or inbox event stands.
type State string

// States of an [Item].
const (
	StatePending   State = "pending"   // waiting for its first attempt (or for a snooze to end)
	StateRunning   State = "running"   // being attempted now
	StateRetrying  State = "retrying"  // failed, waiting for its next attempt
	StateDone      State = "done"      // delivered (outbox) or processed (inbox)
	StateCancelled State = "cancelled" // failed permanently; not retried
	StateDead      State = "dead"      // every attempt failed; kept as a dead letter
)

// Item is the stored state of one outbox message or inbox event.
type Item struct {
	// ID is the message or event id.
	ID string
	// JobID is the River job that carries it.
	JobID int64
	// State is where it stands.
	State State
	// Attempts counts failed and current attempts (snoozes excluded).
	Attempts int
	// Errors are the errors of failed attempts, oldest first.
	Errors []string
	// CreatedAt is when it was stored; NextAt when it is due next (for a
	// waiting item); FinishedAt when it reached a final state, else zero.
	CreatedAt, NextAt, FinishedAt time.Time
}

func itemFromJob(id string, j *rivertype.JobRow) Item {
	it := Item{ID: id, JobID: j.ID, Attempts: j.Attempt, CreatedAt: j.CreatedAt, NextAt: j.ScheduledAt}
	if j.FinalizedAt != nil {
		it.FinishedAt = *j.FinalizedAt
	}
	for _, e := range j.Errors {
		it.Errors = append(it.Errors, e.Error)
	}
	switch j.State {
	case rivertype.JobStateRunning:
		it.State = StateRunning
	case rivertype.JobStateRetryable:
		it.State = StateRetrying
	case rivertype.JobStateCompleted:
		it.State = StateDone
	case rivertype.JobStateCancelled:
		it.State = StateCancelled
	case rivertype.JobStateDiscarded:
		it.State = StateDead
	default:
		it.State = StatePending
	}
	return it
}

// findJob finds the job of kind whose args carry id. On PostgreSQL the
// containment test uses River's GIN index on args.
func findJob[TTx any](ctx context.Context, rt *Runtime[TTx], kind, id string) (*rivertype.JobRow, error) {
	c, err := rt.river()
	if err != nil {
		return nil, err
	}
	p := river.NewJobListParams().Kinds(kind).First(1)
	if rt.backend.Dialect() == core.DialectPostgres {
		filter, _ := json.Marshal(map[string]string{"id": id})
		p = p.Where("args @> @filter::jsonb", river.NamedArgs{"filter": string(filter)})
	} else {
		p = p.Where("args ->> 'id' = @id", river.NamedArgs{"id": id})
	}
	res, err := c.JobList(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("durable: lookup: %w", err)
	}
	if len(res.Jobs) == 0 {
		return nil, ErrNotFound
	}
	return res.Jobs[0], nil
}

func lookup[TTx any](ctx context.Context, rt *Runtime[TTx], kind, id string) (Item, error) {
	j, err := findJob(ctx, rt, kind, id)
	if err != nil {
		return Item{}, err
	}
	return itemFromJob(id, j), nil
}

func replay[TTx any](ctx context.Context, rt *Runtime[TTx], kind, id string) error {
	j, err := findJob(ctx, rt, kind, id)
	if err != nil {
		return err
	}
	c, err := rt.river()
	if err != nil {
		return err
	}
	if _, err := c.JobRetry(ctx, j.ID); err != nil {
		return fmt.Errorf("durable: replay: %w", err)
	}
	return nil
}
