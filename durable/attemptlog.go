package durable

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

// attemptLog writes attempts in batches: each worker waits until its attempt
// is stored (so an attempt is recorded before its job completes), but the
// attempts of concurrent workers share one multi-row INSERT, which keeps the
// database round trips per delivery low, above all on SQLite's single
// connection.
type attemptLog[TTx any] struct {
	backend Backend[TTx]
	in      chan pendingAttempt
	wg      sync.WaitGroup
}

type pendingAttempt struct {
	a    *Attempt
	done chan error
}

const maxAttemptBatch = 128

func newAttemptLog[TTx any](b Backend[TTx]) *attemptLog[TTx] {
	return &attemptLog[TTx]{backend: b, in: make(chan pendingAttempt, maxAttemptBatch)}
}

// start runs the writer until close.
func (l *attemptLog[TTx]) start() {
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		batch := make([]pendingAttempt, 0, maxAttemptBatch)
		for p := range l.in {
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
			a.Latency.Microseconds(), a.StatusCode, a.Outcome, cleanText(a.Error), cleanText(a.Response))
	}
	if err := l.backend.exec(context.Background(), q.String(), args...); err != nil {
		return fmt.Errorf("durable: recording attempts: %w", err)
	}
	return nil
}
