package durable

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// runner runs this package's queries ("?" placeholders) on a database or
// inside a transaction, whatever the backend.
type runner interface {
	exec(ctx context.Context, q string, args ...any) (int64, error)
	query(ctx context.Context, q string, args ...any) (rows, error)
}

type stdRunner struct {
	x interface {
		ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
		QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	}
}

func (r stdRunner) exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := r.x.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (r stdRunner) query(ctx context.Context, q string, args ...any) (rows, error) {
	rs, err := r.x.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rs}, nil
}

type pgRunner struct {
	x interface {
		Exec(ctx context.Context, q string, args ...any) (pgconn.CommandTag, error)
		Query(ctx context.Context, q string, args ...any) (pgx.Rows, error)
	}
}

func (r pgRunner) exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := r.x.Exec(ctx, numberPlaceholders(q), args...)
	return tag.RowsAffected(), err
}

func (r pgRunner) query(ctx context.Context, q string, args ...any) (rows, error) {
	rs, err := r.x.Query(ctx, numberPlaceholders(q), args...)
	if err != nil {
		return nil, err
	}
	return rs, nil
}

// dbRunner returns a runner on the backend's database.
func dbRunner[TTx any](b Backend[TTx]) (runner, error) {
	switch b := any(b).(type) {
	case *SQLiteBackend:
		return stdRunner{b.db}, nil
	case *PostgresBackend:
		return pgRunner{b.pool}, nil
	}
	return nil, errors.New("durable: unsupported backend")
}

// txRunner returns a runner inside tx, a *sql.Tx or a pgx.Tx.
func txRunner(tx any) (runner, error) {
	switch tx := tx.(type) {
	case *sql.Tx:
		return stdRunner{tx}, nil
	case pgx.Tx:
		return pgRunner{tx}, nil
	}
	return nil, fmt.Errorf("durable: unsupported transaction type %T", tx)
}

// inTx runs fn in a new transaction of b, committed when fn returns nil.
func inTx[TTx any](ctx context.Context, b Backend[TTx], fn func(tx TTx, r runner) error) error {
	switch bb := any(b).(type) {
	case *SQLiteBackend:
		tx, err := bb.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if err := fn(any(tx).(TTx), stdRunner{tx}); err != nil {
			_ = tx.Rollback()
			return err
		}
		return tx.Commit()
	case *PostgresBackend:
		tx, err := bb.pool.Begin(ctx)
		if err != nil {
			return err
		}
		if err := fn(any(tx).(TTx), pgRunner{tx}); err != nil {
			_ = tx.Rollback(ctx)
			return err
		}
		return tx.Commit(ctx)
	}
	return errors.New("durable: unsupported backend")
}

// queryEach runs q and calls scan for each row.
func queryEach(ctx context.Context, r runner, q string, args []any, scan func(rows) error) error {
	rs, err := r.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		if err := scan(rs); err != nil {
			return err
		}
	}
	return rs.Err()
}
