package durable

import (
	"context"
	"fmt"

	"github.com/riverqueue/river/rivermigrate"

	"github.com/signedhooks/webhook/durable/internal/core"
)

// Migrate brings the schema of b up to date: River's tables (through River's
// own migrator, rivermigrate) and this package's attempt log. Nothing in this
// package migrates implicitly; call Migrate once at deploy or start-up, before
// [NewOutbox] or [NewInbox] are used. It is idempotent: running it on an
// up-to-date database changes nothing. River's migrator takes no lock, so
// run it from one process at a time (a deploy step, or a single replica
// before the others start).
func Migrate[TTx any](ctx context.Context, b Backend[TTx]) error {
	db := b.inner()
	m, err := rivermigrate.New(db.Driver(), nil)
	if err != nil {
		return fmt.Errorf("durable: migrate: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("durable: migrate river: %w", err)
	}
	for _, q := range schema(db.Dialect()) {
		if err := db.Exec(ctx, q); err != nil {
			return fmt.Errorf("durable: migrate: %w", err)
		}
	}
	return nil
}

// schema is this package's own tables. Every statement is idempotent.
func schema(d core.Dialect) []string {
	id := "id INTEGER PRIMARY KEY AUTOINCREMENT"
	if d == core.DialectPostgres {
		id = "id BIGSERIAL PRIMARY KEY"
	}
	return []string{
		`CREATE TABLE IF NOT EXISTS webhook_attempt (
	` + id + `,
	message_id TEXT NOT NULL,
	job_id BIGINT NOT NULL,
	attempt INTEGER NOT NULL,
	attempted_at_us BIGINT NOT NULL,
	latency_us BIGINT NOT NULL,
	status_code INTEGER NOT NULL,
	outcome TEXT NOT NULL,
	error TEXT NOT NULL,
	response TEXT NOT NULL
)`,
		`CREATE INDEX IF NOT EXISTS webhook_attempt_message_id ON webhook_attempt (message_id, id)`,
		`CREATE INDEX IF NOT EXISTS webhook_attempt_attempted_at ON webhook_attempt (attempted_at_us)`,
	}
}
