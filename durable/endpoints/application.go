package endpoints

import (
	"context"
	"fmt"
	"time"

	"github.com/signedhooks/webhook/durable/internal/core"
)

// CreateApplication registers an application (a customer) with id, which
// the provider chooses (1 to 64 letters, digits, '_', '-', '.', ':'). It
// returns [ErrDuplicateApplication] when id is taken and
// [ErrInvalidField] for a bad id or a name over 256 bytes, [ErrInvalidText]
// for a name with a NUL byte or invalid UTF-8.
func (e *Service[TTx]) CreateApplication(ctx context.Context, id, name string) (Application, error) {
	if err := checkID("application id", id); err != nil {
		return Application{}, err
	}
	if err := checkText("the name", name); err != nil {
		return Application{}, err
	}
	if len(name) > 256 {
		return Application{}, fmt.Errorf("%w: name must be at most 256 bytes", ErrInvalidField)
	}
	now := e.opts.Now()
	n, err := e.db.Exec(ctx, `INSERT INTO webhook_application (app_id, name, created_us) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		id, name, now.UnixMicro())
	if err != nil {
		return Application{}, fmt.Errorf("durable: create application: %w", err)
	}
	if n == 0 {
		return Application{}, ErrDuplicateApplication
	}
	return Application{ID: id, Name: name, CreatedAt: time.UnixMicro(now.UnixMicro())}, nil
}

// GetApplication returns the application, or [ErrUnknownApplication].
func (e *Service[TTx]) GetApplication(ctx context.Context, id string) (Application, error) {
	if !validText(id) { // no such id can be stored
		return Application{}, ErrUnknownApplication
	}
	var a Application
	var us int64
	found := false
	err := core.QueryEach(ctx, e.db, `SELECT app_id, name, created_us FROM webhook_application WHERE app_id = ?`, []any{id},
		func(r core.Rows) error { found = true; return r.Scan(&a.ID, &a.Name, &us) })
	if err != nil {
		return Application{}, fmt.Errorf("durable: get application: %w", err)
	}
	if !found {
		return Application{}, ErrUnknownApplication
	}
	a.CreatedAt = time.UnixMicro(us)
	return a, nil
}

// ListApplications returns a page of applications ordered by id (not
// newest first, as other listings are: ids are the provider's own),
// starting after cursor ("" for the first page; a page's Next
// otherwise). limit <= 0 means 50, and it is capped at [MaxPageSize].
// Applications created meanwhile never shift the following pages. It
// returns [ErrInvalidField] for a malformed cursor.
func (e *Service[TTx]) ListApplications(ctx context.Context, cursor string, limit int) (Page[Application], error) {
	if cursor != "" {
		if err := checkID("cursor", cursor); err != nil {
			return Page[Application]{}, fmt.Errorf("%w: malformed cursor", ErrInvalidField)
		}
	}
	_, limit, _ = pageArgs("", limit)
	items := []Application{}
	err := core.QueryEach(ctx, e.db, `SELECT app_id, name, created_us FROM webhook_application WHERE app_id > ? ORDER BY app_id LIMIT ?`,
		[]any{cursor, limit + 1}, func(r core.Rows) error {
			var a Application
			var us int64
			err := r.Scan(&a.ID, &a.Name, &us)
			a.CreatedAt = time.UnixMicro(us)
			items = append(items, a)
			return err
		})
	if err != nil {
		return Page[Application]{}, fmt.Errorf("durable: list applications: %w", err)
	}
	p := Page[Application]{Items: items}
	if len(items) > limit {
		p.Items = items[:limit]
		p.Next = items[limit-1].ID
	}
	return p, nil
}

// DeleteApplication removes an application with everything it owns, in
// one transaction: its endpoints with their subscriptions and secrets, its
// messages and their attempt log. Deliveries still queued for it are
// cancelled when their turn comes. It returns [ErrUnknownApplication].
func (e *Service[TTx]) DeleteApplication(ctx context.Context, id string) error {
	if !validText(id) {
		return ErrUnknownApplication
	}
	err := e.rt.Backend().InTx(ctx, func(_ TTx, r core.Runner) error {
		// The application's row first: a concurrent CreateEndpoint, which
		// locks it, then finds no application.
		n, err := r.Exec(ctx, `DELETE FROM webhook_application WHERE app_id = ?`, id)
		if err != nil || n == 0 {
			return orErr(err, ErrUnknownApplication)
		}
		for _, q := range []string{
			`DELETE FROM webhook_endpoint_secret WHERE endpoint_id IN (SELECT endpoint_id FROM webhook_endpoint WHERE app_id = ?)`,
			`DELETE FROM webhook_subscription WHERE app_id = ?`,
			`DELETE FROM webhook_endpoint WHERE app_id = ?`,
			`DELETE FROM webhook_endpoint_attempt WHERE app_id = ?`,
			`DELETE FROM webhook_message WHERE app_id = ?`,
		} {
			if _, err := r.Exec(ctx, q, id); err != nil {
				return err
			}
		}
		return nil
	})
	return wrapStore("delete application", err)
}
