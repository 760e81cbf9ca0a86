package durable

import (
	"context"
	"fmt"
	"time"

	"github.com/signedhooks/webhook/durable/internal/core"
)

// Attempt is one recorded delivery attempt of an outbox message.
type Attempt struct {
	// MessageID is the message's id (the X-Webhook-Id header).
	MessageID string
	// JobID is the River job that carried the message.
	JobID int64
	// Number counts the message's attempts, from 1.
	Number int
	// At is when the request was sent.
	At time.Time
	// Latency is how long the attempt took, up to the response headers.
	Latency time.Duration
	// StatusCode is the response status, or 0 when no response came.
	StatusCode int
	// Outcome is "delivered", "retry", "permanent" or "gone" (see
	// [webhook.Class]), or "aborted" for an attempt cut short by Stop,
	// which does not count.
	Outcome string
	// Error describes a failed attempt (transport error or non-2xx status);
	// empty on success. It never contains the URL's credentials or query.
	Error string
	// Response is the beginning of the response body, bounded by
	// 512 bytes, as valid UTF-8.
	Response string
}

const insertAttemptPrefix = `INSERT INTO webhook_attempt
	(message_id, job_id, attempt, attempted_at_us, latency_us, status_code, outcome, error, response)
	VALUES `

const selectAttemptsSQL = `SELECT message_id, job_id, attempt, attempted_at_us, latency_us, status_code, outcome, error, response
	FROM webhook_attempt WHERE message_id = ? ORDER BY id`

func listAttempts[TTx any](ctx context.Context, b core.Backend[TTx], messageID string) ([]Attempt, error) {
	r, err := b.Query(ctx, selectAttemptsSQL, messageID)
	if err != nil {
		return nil, fmt.Errorf("durable: listing attempts: %w", err)
	}
	defer r.Close()
	var out []Attempt
	for r.Next() {
		var (
			a         Attempt
			at, latUS int64
		)
		if err := r.Scan(&a.MessageID, &a.JobID, &a.Number, &at, &latUS, &a.StatusCode, &a.Outcome, &a.Error, &a.Response); err != nil {
			return nil, fmt.Errorf("durable: listing attempts: %w", err)
		}
		a.At = time.UnixMicro(at)
		a.Latency = time.Duration(latUS) * time.Microsecond
		out = append(out, a)
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("durable: listing attempts: %w", err)
	}
	return out, nil
}
