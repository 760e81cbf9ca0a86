package relay

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
)

// runner is the part of *sql.DB and *pgxpool.Pool the event table uses,
// with "?" placeholders.
type runner interface {
	exec(ctx context.Context, q string, args ...any) error
	query(ctx context.Context, q string, args []any, each func(scan func(...any) error) error) error
}

type sqliteRunner struct{ db *sql.DB }

func (s sqliteRunner) exec(ctx context.Context, q string, args ...any) error {
	_, err := s.db.ExecContext(ctx, q, args...)
	return err
}

func (s sqliteRunner) query(ctx context.Context, q string, args []any, each func(func(...any) error) error) error {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

type pgRunner struct{ pool *pgxpool.Pool }

func (p pgRunner) exec(ctx context.Context, q string, args ...any) error {
	_, err := p.pool.Exec(ctx, numbered(q), args...)
	return err
}

func (p pgRunner) query(ctx context.Context, q string, args []any, each func(func(...any) error) error) error {
	rows, err := p.pool.Query(ctx, numbered(q), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// numbered rewrites "?" placeholders as PostgreSQL's $1, $2, ...
func numbered(q string) string {
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

func openSQLite(ctx context.Context, r *Relay, eo *endpoints.Options) error {
	db, err := durable.OpenSQLite(r.cfg.Database)
	if err != nil {
		return fmt.Errorf("relay: opening %s: %w", clip(r.cfg.Database), err)
	}
	r.close = onceFunc(func() { _ = db.Close() })
	if err := build(ctx, r, durable.SQLite(db), eo); err != nil {
		r.close()
		return err
	}
	r.events = &eventTable{db: sqliteRunner{db}}
	if err := r.events.migrate(ctx, false); err != nil {
		r.close()
		return err
	}
	// One process owns a SQLite file: nothing to lock against.
	r.setup = func(ctx context.Context, f func(context.Context) error) error { return f(ctx) }
	return nil
}

func openPostgres(ctx context.Context, r *Relay, eo *endpoints.Options) error {
	pc, err := pgxpool.ParseConfig(r.cfg.Database)
	if err != nil {
		return errors.New("relay: the database URL is malformed") // pgx's error may quote the password
	}
	if !strings.Contains(r.cfg.Database, "pool_max_conns") {
		// pgx's default (4 on 2 cores) starves River's notifier, its
		// producers and the workers; pool_max_conns in the URL overrides.
		pc.MaxConns = 40
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return fmt.Errorf("relay: connecting to the database: %w", err)
	}
	r.close = onceFunc(pool.Close)
	// Relay processes starting together migrate and set up one at a time.
	r.setup = func(ctx context.Context, f func(context.Context) error) error {
		conn, err := pool.Acquire(ctx)
		if err != nil {
			return fmt.Errorf("relay: connecting to the database: %w", err)
		}
		defer conn.Release()
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(4216841801)`); err != nil {
			return fmt.Errorf("relay: setup lock: %w", err)
		}
		defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(4216841801)`) }()
		return f(ctx)
	}
	err = r.setup(ctx, func(ctx context.Context) error {
		if err := build(ctx, r, durable.Postgres(pool), eo); err != nil {
			return err
		}
		r.events = &eventTable{db: pgRunner{pool}}
		return r.events.migrate(ctx, true)
	})
	if err != nil {
		r.close()
	}
	return err
}

func onceFunc(f func()) func() {
	var once sync.Once
	return func() { once.Do(f) }
}

// eventTable records each routed event and where it went, for the status
// page and replays.
type eventTable struct{ db runner }

func (t *eventTable) migrate(ctx context.Context, postgres bool) error {
	seq := "INTEGER PRIMARY KEY AUTOINCREMENT"
	if postgres {
		seq = "BIGSERIAL PRIMARY KEY"
	}
	err := t.db.exec(ctx, `CREATE TABLE IF NOT EXISTS relay_event (
	seq `+seq+`,
	event_id TEXT NOT NULL UNIQUE,
	source TEXT NOT NULL,
	event_type TEXT NOT NULL,
	routed_us BIGINT NOT NULL,
	plan TEXT NOT NULL)`)
	if err != nil {
		return fmt.Errorf("relay: migrate: %w", err)
	}
	return nil
}

// insert records an event's plan once; a repeated run keeps the first.
func (t *eventTable) insert(ctx context.Context, id, source, typ string, at time.Time, p plan) error {
	b, _ := json.Marshal(p)
	err := t.db.exec(ctx, `INSERT INTO relay_event (event_id, source, event_type, routed_us, plan) VALUES (?, ?, ?, ?, ?)
	ON CONFLICT (event_id) DO NOTHING`, id, source, typ, at.UnixMicro(), string(b))
	if err != nil {
		return fmt.Errorf("relay: recording event: %w", err)
	}
	return nil
}

type eventRow struct {
	seq                  int64
	id, source, typ      string
	routed               time.Time
	routes, destinations []string
	routeIdx             []int
}

func (t *eventTable) list(ctx context.Context, before int64, limit int, id string) ([]eventRow, error) {
	q := `SELECT seq, event_id, source, event_type, routed_us, plan FROM relay_event WHERE seq < ? ORDER BY seq DESC LIMIT ?`
	args := []any{before, limit}
	if id != "" {
		q = `SELECT seq, event_id, source, event_type, routed_us, plan FROM relay_event WHERE event_id = ?`
		args = []any{id}
	}
	var out []eventRow
	err := t.db.query(ctx, q, args, func(scan func(...any) error) error {
		var e eventRow
		var us int64
		var text string
		if err := scan(&e.seq, &e.id, &e.source, &e.typ, &us, &text); err != nil {
			return err
		}
		var p plan
		_ = json.Unmarshal([]byte(text), &p)
		e.routed, e.destinations, e.routeIdx = time.UnixMicro(us), p.Destinations, p.Routes
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("relay: listing events: %w", err)
	}
	return out, nil
}

func (t *eventTable) purge(ctx context.Context, before time.Time) error {
	return t.db.exec(ctx, `DELETE FROM relay_event WHERE routed_us < ?`, before.UnixMicro())
}
