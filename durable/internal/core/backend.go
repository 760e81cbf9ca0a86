package core

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
)

// Backend is a database that holds durable work: River's tables and this
// module's. TTx is the caller's transaction type (*sql.Tx or pgx.Tx).
type Backend[TTx any] interface {
	Driver() riverdriver.Driver[TTx]
	Dialect() Dialect
	Exec(ctx context.Context, query string, args ...any) error
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	// Runner runs queries on the database, outside any transaction.
	Runner() Runner
	// InTx runs fn in a new transaction, committed when fn returns nil.
	InTx(ctx context.Context, fn func(tx TTx, r Runner) error) error
}

// Dialect is the SQL spoken by a backend.
type Dialect int

// The dialects.
const (
	DialectSQLite Dialect = iota
	DialectPostgres
)

// SQLite is a Backend over a SQLite database, through River's riversqlite
// driver.
type SQLite struct {
	db     *sql.DB
	driver riverdriver.Driver[*sql.Tx]
}

// NewSQLite returns a Backend over db.
func NewSQLite(db *sql.DB) *SQLite { return &SQLite{db: db, driver: riversqlite.New(db)} }

// Driver returns River's driver.
func (b *SQLite) Driver() riverdriver.Driver[*sql.Tx] { return b.driver }

// Dialect returns DialectSQLite.
func (b *SQLite) Dialect() Dialect { return DialectSQLite }

// Exec runs q.
func (b *SQLite) Exec(ctx context.Context, q string, args ...any) error {
	_, err := b.db.ExecContext(ctx, q, args...)
	return err
}

// Query runs q.
func (b *SQLite) Query(ctx context.Context, q string, args ...any) (Rows, error) {
	r, err := b.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{r}, nil
}

// Runner returns a Runner on the database.
func (b *SQLite) Runner() Runner { return stdRunner{b.db} }

// InTx runs fn in a new transaction.
func (b *SQLite) InTx(ctx context.Context, fn func(tx *sql.Tx, r Runner) error) error {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx, stdRunner{tx}); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Postgres is a Backend over a PostgreSQL pool, through River's
// riverpgxv5 driver.
type Postgres struct {
	pool   *pgxpool.Pool
	driver riverdriver.Driver[pgx.Tx]
}

// NewPostgres returns a Backend over pool.
func NewPostgres(pool *pgxpool.Pool) *Postgres {
	return &Postgres{pool: pool, driver: riverpgxv5.New(pool)}
}

// Driver returns River's driver.
func (b *Postgres) Driver() riverdriver.Driver[pgx.Tx] { return b.driver }

// Dialect returns DialectPostgres.
func (b *Postgres) Dialect() Dialect { return DialectPostgres }

// Exec runs q, its "?" placeholders numbered.
func (b *Postgres) Exec(ctx context.Context, q string, args ...any) error {
	_, err := b.pool.Exec(ctx, NumberPlaceholders(q), args...)
	return err
}

// Query runs q, its "?" placeholders numbered.
func (b *Postgres) Query(ctx context.Context, q string, args ...any) (Rows, error) {
	r, err := b.pool.Query(ctx, NumberPlaceholders(q), args...)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Runner returns a Runner on the pool.
func (b *Postgres) Runner() Runner { return pgRunner{b.pool} }

// InTx runs fn in a new transaction.
func (b *Postgres) InTx(ctx context.Context, fn func(tx pgx.Tx, r Runner) error) error {
	tx, err := b.pool.Begin(ctx)
	if err != nil {
		return err
	}
	if err := fn(tx, pgRunner{tx}); err != nil {
		_ = tx.Rollback(ctx)
		return err
	}
	return tx.Commit(ctx)
}

// OldestAgeUS is the SQL for how long ago, in microseconds on the
// database's clock, the earliest scheduled_at of a group of River jobs was.
func OldestAgeUS(d Dialect) string {
	if d == DialectPostgres {
		return `CAST(EXTRACT(EPOCH FROM (now() - min(scheduled_at))) * 1000000 AS BIGINT)`
	}
	return `CAST((julianday('now') - julianday(min(scheduled_at))) * 86400000000 AS INTEGER)`
}
