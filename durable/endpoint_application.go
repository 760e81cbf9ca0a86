package durable

import (
	"context"
	"fmt"
	"time"
)

// CreateApplication registers an application (a customer) with id, which
// the provider chooses (1 to 64 letters, digits, '_', '-', '.', ':'). It
// returns [ErrDuplicateApplication] when id is taken and
// [ErrInvalidField] for a bad id or a name over 256 bytes, [ErrInvalidText]
// for a name with a NUL byte or invalid UTF-8.
func (e *Endpoints[TTx]) CreateApplication(ctx context.Context, id, name string) (Application, error) {
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
	n, err := e.db.exec(ctx, `INSERT INTO webhook_application (app_id, name, created_us) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
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
func (e *Endpoints[TTx]) GetApplication(ctx context.Context, id string) (Application, error) {
	if !validText(id) { // no such id can be stored
		return Application{}, ErrUnknownApplication
	}
	var a Application
	var us int64
	found := false
	err := queryEach(ctx, e.db, `SELECT app_id, name, created_us FROM webhook_application WHERE app_id = ?`, []any{id},
		func(r rows) error { found = true; return r.Scan(&a.ID, &a.Name, &us) })
	if err != nil {
		return Application{}, fmt.Errorf("durable: get application: %w", err)
	}
	if !found {
		return Application{}, ErrUnknownApplication
	}
	a.CreatedAt = time.UnixMicro(us)
	return a, nil
}
