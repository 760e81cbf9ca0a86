package durable

import (
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver OpenSQLite uses

	"github.com/signedhooks/webhook/durable/internal/core"
)

// Backend is a database that holds the outbox, the inbox and their attempt
// log. Build one with [SQLite] or [Postgres]; TTx is the transaction type the
// caller enqueues in ([*sql.Tx] or [pgx.Tx]). Backends are safe for
// concurrent use. The interface is closed: only this package implements it.
type Backend[TTx any] interface {
	inner() core.Backend[TTx]
}

// SQLiteBackend keeps durable work in a SQLite database through River's
// riversqlite driver. Build it with [SQLite].
type SQLiteBackend struct{ c *core.SQLite }

// SQLite returns a [Backend] over db, a database opened with the
// "sqlite" driver of modernc.org/sqlite. Prefer [OpenSQLite], which sets what
// River needs: one open connection, WAL journal and a busy timeout.
func SQLite(db *sql.DB) *SQLiteBackend { return &SQLiteBackend{core.NewSQLite(db)} }

func (b *SQLiteBackend) inner() core.Backend[*sql.Tx] { return b.c }

// PostgresBackend keeps durable work in PostgreSQL through River's
// riverpgxv5 driver. Build it with [Postgres].
type PostgresBackend struct{ c *core.Postgres }

// Postgres returns a [Backend] over pool. Any number of processes may work
// from the same database; LISTEN/NOTIFY wakes workers as soon as a job is
// enqueued.
func Postgres(pool *pgxpool.Pool) *PostgresBackend { return &PostgresBackend{core.NewPostgres(pool)} }

func (b *PostgresBackend) inner() core.Backend[pgx.Tx] { return b.c }

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
