package endpoints

import (
	"context"
	"fmt"

	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/internal/core"
)

// Migrate brings the schema of b up to date for [Service]: it
// runs [durable.Migrate] and then creates the tables of applications, endpoints,
// their subscriptions and secrets, messages and attempts. Like Migrate it
// is explicit and idempotent.
func Migrate[TTx any](ctx context.Context, b durable.Backend[TTx]) error {
	if err := durable.Migrate(ctx, b); err != nil {
		return err
	}
	db := core.BackendOf[TTx](b)
	for _, q := range append(endpointSchema(db.Dialect()), secretKeySchema()...) {
		if err := db.Exec(ctx, q); err != nil {
			return fmt.Errorf("durable: migrate endpoints: %w", err)
		}
	}
	// The gate: concurrency slots and rate buckets (gate.go).
	if err := migrateGate(ctx, db); err != nil {
		return fmt.Errorf("durable: migrate endpoints: %w", err)
	}
	return nil
}

// endpointSchema is the tables of [Service]. Times are Unix microseconds,
// flags 0 or 1, so both dialects share every query.
func endpointSchema(d core.Dialect) []string {
	id, blob := "id INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB"
	if d == core.DialectPostgres {
		id, blob = "id BIGSERIAL PRIMARY KEY", "BYTEA"
	}
	return []string{
		`CREATE TABLE IF NOT EXISTS webhook_application (
	app_id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	created_us BIGINT NOT NULL
)`,
		`CREATE TABLE IF NOT EXISTS webhook_endpoint (
	endpoint_id TEXT PRIMARY KEY,
	app_id TEXT NOT NULL,
	url TEXT NOT NULL,
	description TEXT NOT NULL,
	enabled INTEGER NOT NULL,
	filter TEXT NOT NULL,
	rate DOUBLE PRECISION NOT NULL,
	burst INTEGER NOT NULL,
	headers TEXT NOT NULL,
	version BIGINT NOT NULL,
	failing_since_us BIGINT NOT NULL,
	disabled_reason TEXT NOT NULL,
	created_us BIGINT NOT NULL,
	updated_us BIGINT NOT NULL
)`,
		`CREATE INDEX IF NOT EXISTS webhook_endpoint_app ON webhook_endpoint (app_id, created_us)`,
		// One row per filter entry: an exact type, a "prefix.*" or "*" (all).
		// Publish looks up the few patterns that can match a type through
		// the primary key instead of reading every endpoint's filter.
		`CREATE TABLE IF NOT EXISTS webhook_subscription (
	app_id TEXT NOT NULL,
	pattern TEXT NOT NULL,
	endpoint_id TEXT NOT NULL,
	PRIMARY KEY (app_id, pattern, endpoint_id)
)`,
		`CREATE INDEX IF NOT EXISTS webhook_subscription_endpoint ON webhook_subscription (endpoint_id)`,
		`CREATE TABLE IF NOT EXISTS webhook_endpoint_secret (
	` + id + `,
	endpoint_id TEXT NOT NULL,
	secret TEXT NOT NULL,
	created_us BIGINT NOT NULL,
	expires_us BIGINT NOT NULL
)`,
		`CREATE INDEX IF NOT EXISTS webhook_endpoint_secret_endpoint ON webhook_endpoint_secret (endpoint_id, id)`,
		`CREATE TABLE IF NOT EXISTS webhook_message (
	` + id + `,
	app_id TEXT NOT NULL,
	message_id TEXT NOT NULL,
	event_type TEXT NOT NULL,
	payload ` + blob + ` NOT NULL,
	created_us BIGINT NOT NULL,
	UNIQUE (app_id, message_id)
)`,
		`CREATE INDEX IF NOT EXISTS webhook_message_app ON webhook_message (app_id, id)`,
		`CREATE INDEX IF NOT EXISTS webhook_message_created ON webhook_message (created_us)`,
		`CREATE TABLE IF NOT EXISTS webhook_endpoint_attempt (
	` + id + `,
	app_id TEXT NOT NULL,
	endpoint_id TEXT NOT NULL,
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
		`CREATE INDEX IF NOT EXISTS webhook_endpoint_attempt_endpoint ON webhook_endpoint_attempt (endpoint_id, id)`,
		`CREATE INDEX IF NOT EXISTS webhook_endpoint_attempt_message ON webhook_endpoint_attempt (app_id, message_id, id)`,
		`CREATE INDEX IF NOT EXISTS webhook_endpoint_attempt_at ON webhook_endpoint_attempt (attempted_at_us)`,

		// The circuit breakers (breaker.go): one row per endpoint
		// that has failed since it last delivered, none for a healthy one.
		// A table of its own, so a database of an earlier release gains it
		// with CREATE TABLE IF NOT EXISTS and no ALTER; the columns are
		// prefixed because [loadEndpoint] joins it USING (endpoint_id).
		`CREATE TABLE IF NOT EXISTS webhook_endpoint_breaker (
	endpoint_id TEXT PRIMARY KEY,
	breaker_state TEXT NOT NULL,
	breaker_failures INTEGER NOT NULL,
	breaker_opens INTEGER NOT NULL,
	breaker_opened_us BIGINT NOT NULL,
	breaker_probe_us BIGINT NOT NULL
)`,
	}
}
