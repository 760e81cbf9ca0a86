package durable

import (
	"context"
	"fmt"
	"time"

	"github.com/signedhooks/webhook/durable/internal/core"
)

// QueueStats are the figures of one queue at one moment, from
// [Runtime.QueueStats].
type QueueStats struct {
	// Queue is QueueOutbox, QueueEndpoints or QueueInbox.
	Queue string
	// Available counts the jobs due now and waiting for a worker.
	Available int64
	// Scheduled counts the jobs waiting for a later time (a first
	// delivery scheduled ahead, or a snooze).
	Scheduled int64
	// Running counts the jobs a worker holds.
	Running int64
	// Retryable counts the jobs that failed and wait for their retry.
	Retryable int64
	// Lag is how long the oldest available job has been due: the time
	// the queue is behind. Zero when none is available.
	Lag time.Duration
}

// QueueStats returns the figures of the Outbox's, the endpoints' and the
// Inbox's queues, in that order, whether or not a component of this
// process uses them: the database is shared, so every process sees the
// same figures. It costs one query, which counts the unfinished jobs
// through River's own index on their state and queue: cheap beside a
// backlog's work, but poll it every few seconds at most, not per job.
func (r *Runtime[TTx]) QueueStats(ctx context.Context) ([]QueueStats, error) {
	lag := core.OldestAgeUS(r.backend.Dialect())
	out := []QueueStats{{Queue: QueueOutbox}, {Queue: QueueEndpoints}, {Queue: QueueInbox}}
	rs, err := r.backend.Query(ctx, `SELECT queue, state, count(*), `+lag+` FROM river_job
	WHERE state IN ('available', 'scheduled', 'running', 'retryable') AND queue IN (?, ?, ?)
	GROUP BY queue, state`, QueueOutbox, QueueEndpoints, QueueInbox)
	if err != nil {
		return nil, fmt.Errorf("durable: queue stats: %w", err)
	}
	defer rs.Close()
	for rs.Next() {
		var (
			queue, state string
			n            int64
			lagUS        *int64
		)
		if err := rs.Scan(&queue, &state, &n, &lagUS); err != nil {
			return nil, fmt.Errorf("durable: queue stats: %w", err)
		}
		for i := range out {
			if out[i].Queue != queue {
				continue
			}
			s := &out[i]
			switch state {
			case "available":
				s.Available = n
				if lagUS != nil && *lagUS > 0 {
					s.Lag = time.Duration(*lagUS) * time.Microsecond
				}
			case "scheduled":
				s.Scheduled = n
			case "running":
				s.Running = n
			case "retryable":
				s.Retryable = n
			}
		}
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("durable: queue stats: %w", err)
	}
	return out, nil
}
