package core

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Rows is the part of *sql.Rows and pgx.Rows this module reads.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Runner runs this module's queries ("?" placeholders) on a database or
// inside a transaction, whatever the backend.
type Runner interface {
	Exec(ctx context.Context, q string, args ...any) (int64, error)
	Query(ctx context.Context, q string, args ...any) (Rows, error)
}

type stdRunner struct {
	x interface {
		ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
		QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	}
}

func (r stdRunner) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := r.x.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (r stdRunner) Query(ctx context.Context, q string, args ...any) (Rows, error) {
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

func (r pgRunner) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := r.x.Exec(ctx, NumberPlaceholders(q), args...)
	return tag.RowsAffected(), err
}

func (r pgRunner) Query(ctx context.Context, q string, args ...any) (Rows, error) {
	rs, err := r.x.Query(ctx, NumberPlaceholders(q), args...)
	if err != nil {
		return nil, err
	}
	return rs, nil
}

// TxRunner returns a Runner inside tx, a *sql.Tx or a pgx.Tx.
func TxRunner(tx any) (Runner, error) {
	switch tx := tx.(type) {
	case *sql.Tx:
		return stdRunner{tx}, nil
	case pgx.Tx:
		return pgRunner{tx}, nil
	}
	return nil, fmt.Errorf("durable: unsupported transaction type %T", tx)
}

// QueryEach runs q and calls scan for each row.
func QueryEach(ctx context.Context, r Runner, q string, args []any, scan func(Rows) error) error {
	rs, err := r.Query(ctx, q, args...)
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

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }

// NumberPlaceholders rewrites the "?" placeholders of this module's
// queries (which contain no other question mark) into PostgreSQL's $1,
// $2, ...
func NumberPlaceholders(q string) string {
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
