package durable

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/signedhooks/webhook/durable/internal/core"
)

// The core's link: package endpoints opens a Runtime and a Backend through
// it, so that their internals stay out of this package's exported API.
func init() {
	core.Link(func(rt any) any { return rt.(interface{ view() any }).view() },
		func(b any) any {
			switch b := b.(type) {
			case *SQLiteBackend:
				return b.c
			case *PostgresBackend:
				return b.c
			}
			return nil
		})
}

// view returns r as the core sees it ([core.Runtime]).
func (r *Runtime[TTx]) view() any { return runtimeView[TTx]{r} }

// runtimeView is a Runtime as package endpoints uses it: the methods of
// [core.Runtime], and the two that need this package's types.
type runtimeView[TTx any] struct{ r *Runtime[TTx] }

func (v runtimeView[TTx]) Backend() core.Backend[TTx]         { return v.r.backend }
func (v runtimeView[TTx]) River() (*river.Client[TTx], error) { return v.r.river() }
func (v runtimeView[TTx]) Logger() *slog.Logger               { return v.r.opts.Logger }
func (v runtimeView[TTx]) JobTimeout() time.Duration          { return v.r.opts.JobTimeout }
func (v runtimeView[TTx]) Attempted(ctx context.Context, a AttemptInfo) {
	v.r.opts.Hooks.attempted(ctx, a)
}
func (v runtimeView[TTx]) Item(id string, j *rivertype.JobRow) Item { return itemFromJob(id, j) }

func (v runtimeView[TTx]) AttachEndpoints(e core.Attached[core.EndpointArgs]) error {
	return v.r.attach(func() error {
		if v.r.endpoints != nil {
			return errors.New("durable: the runtime has endpoints already")
		}
		v.r.endpoints = e
		return nil
	})
}
