package durable

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/signedhooks/webhook/durable/internal/core"
)

// attemptLog writes attempts in batches: each worker waits until its attempt
// is stored (so an attempt is recorded before its job completes), but the
// attempts of concurrent workers share one multi-row INSERT, which keeps the
// database round trips per delivery low, above all on SQLite's single
// connection.
type attemptLog[TTx any] struct {
	backend    core.Backend[TTx]
	in         chan pendingAttempt
	wg         sync.WaitGroup
	retention  time.Duration // attempts older than this are deleted
	pruneEvery time.Duration
	logger     *slog.Logger
}

type pendingAttempt struct {
	a    *Attempt
	done chan error
}

const maxAttemptBatch = 128

func newAttemptLog[TTx any](b core.Backend[TTx], retention time.Duration, logger *slog.Logger) *attemptLog[TTx] {
	return &attemptLog[TTx]{
		backend:    b,
		in:         make(chan pendingAttempt, maxAttemptBatch),
		retention:  retention,
		pruneEvery: time.Hour,
		logger:     logger,
	}
}

// start runs the writer until close; it also deletes attempts past their
// retention, at start and then every pruneEvery.
func (l *attemptLog[TTx]) start() {
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		tick := time.NewTicker(l.pruneEvery)
		defer tick.Stop()
		l.prune()
		batch := make([]pendingAttempt, 0, maxAttemptBatch)
		for {
			var p pendingAttempt
			select {
			case <-tick.C:
				l.prune()
				continue
			case q, ok := <-l.in:
				if !ok {
					return
				}
				p = q
			}
			batch = append(batch[:0], p)
		fill:
			for len(batch) < maxAttemptBatch {
				select {
				case p, ok := <-l.in:
					if !ok {
						break fill
					}
					batch = append(batch, p)
				default:
					break fill
				}
			}
			err := l.write(batch)
			for _, p := range batch {
				p.done <- err
			}
		}
	}()
}

func (l *attemptLog[TTx]) prune() {
	cutoff := time.Now().Add(-l.retention).UnixMicro()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := l.backend.Exec(ctx, `DELETE FROM webhook_attempt WHERE attempted_at_us < ?`, cutoff); err != nil {
		l.logger.Error("durable: pruning the attempt log", "error", err)
	}
}

// close stops the writer once every queued attempt is written. No record
// may be called after close.
func (l *attemptLog[TTx]) close() {
	close(l.in)
	l.wg.Wait()
}

// record stores a and returns once it is written (or ctx is done).
func (l *attemptLog[TTx]) record(ctx context.Context, a *Attempt) error {
	p := pendingAttempt{a: a, done: make(chan error, 1)}
	select {
	case l.in <- p:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-p.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *attemptLog[TTx]) write(batch []pendingAttempt) error {
	var q strings.Builder
	q.WriteString(insertAttemptPrefix)
	args := make([]any, 0, len(batch)*9)
	for i, p := range batch {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?)")
		a := p.a
		args = append(args, a.MessageID, a.JobID, a.Number, a.At.UnixMicro(),
			a.Latency.Microseconds(), a.StatusCode, a.Outcome, core.CleanText(a.Error), core.CleanText(a.Response))
	}
	if err := l.backend.Exec(context.Background(), q.String(), args...); err != nil {
		return fmt.Errorf("durable: recording attempts: %w", err)
	}
	return nil
}
