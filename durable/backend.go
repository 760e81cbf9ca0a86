package durable

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver OpenSQLite uses
)

// Backend is a database that holds the outbox, the inbox and their attempt
// log. Build one with [SQLite] or [Postgres]; TTx is the transaction type the
// caller enqueues in ([*sql.Tx] or [pgx.Tx]). Backends are safe for
// concurrent use. The interface is closed: only this package implements it.
type Backend[TTx any] interface {
	riverDriver() riverdriver.Driver[TTx]
	dialect() dialect
	exec(ctx context.Context, query string, args ...any) error
	query(ctx context.Context, query string, args ...any) (rows, error)
}

type dialect int

const (
	dialectSQLite dialect = iota
	dialectPostgres
)

// rows is the part of *sql.Rows and pgx.Rows this package reads.
type rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// SQLiteBackend keeps durable work in a SQLite database through River's
// riversqlite driver. Build it with [SQLite].
type SQLiteBackend struct {
	db     *sql.DB
	driver riverdriver.Driver[*sql.Tx]
}

// SQLite returns a [Backend] over db, a database opened with the
// "sqlite" driver of modernc.org/sqlite. Prefer [OpenSQLite], which sets what
// River needs: one open connection, WAL journal and a busy timeout.
func SQLite(db *sql.DB) *SQLiteBackend {
	return &SQLiteBackend{db: db, driver: riversqlite.New(db)}
}

func (b *SQLiteBackend) riverDriver() riverdriver.Driver[*sql.Tx] { return b.driver }
func (b *SQLiteBackend) dialect() dialect                         { return dialectSQLite }

func (b *SQLiteBackend) exec(ctx context.Context, q string, args ...any) error {
	_, err := b.db.ExecContext(ctx, q, args...)
	return err
}

func (b *SQLiteBackend) query(ctx context.Context, q string, args ...any) (rows, error) {
	r, err := b.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{r}, nil
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }

// PostgresBackend keeps durable work in PostgreSQL through River's
// riverpgxv5 driver. Build it with [Postgres].
type PostgresBackend struct {
	pool   *pgxpool.Pool
	driver riverdriver.Driver[pgx.Tx]
}

// Postgres returns a [Backend] over pool. Any number of processes may work
// from the same database; LISTEN/NOTIFY wakes workers as soon as a job is
// enqueued.
func Postgres(pool *pgxpool.Pool) *PostgresBackend {
	return &PostgresBackend{pool: pool, driver: riverpgxv5.New(pool)}
}

func (b *PostgresBackend) riverDriver() riverdriver.Driver[pgx.Tx] { return b.driver }
func (b *PostgresBackend) dialect() dialect                        { return dialectPostgres }

func (b *PostgresBackend) exec(ctx context.Context, q string, args ...any) error {
	_, err := b.pool.Exec(ctx, numberPlaceholders(q), args...)
	return err
}

func (b *PostgresBackend) query(ctx context.Context, q string, args ...any) (rows, error) {
	r, err := b.pool.Query(ctx, numberPlaceholders(q), args...)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// numberPlaceholders rewrites the "?" placeholders of this package's queries
// (which contain no other question mark) into PostgreSQL's $1, $2, ...
func numberPlaceholders(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// OpenSQLite opens (creating if needed) the SQLite database at path with the
// settings River needs: a single open connection (SQLite has one writer;
// River asks for it), the WAL journal, synchronous=NORMAL and a 10 s busy
// timeout. The caller closes the returned *sql.DB. It does not migrate: call
// [Migrate].
func OpenSQLite(path string) (*sql.DB, error) {
	if path == "" {
		return nil, errors.New("durable: empty SQLite path")
	}
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
