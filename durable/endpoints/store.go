package endpoints

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable/internal/core"
)

// CreateEndpoint registers an endpoint for application appID and returns it
// with its first signing secret in "whsec_" form: the only time the secret
// is shown. The secret is new and random, or in.Secret when set (an
// existing secret, imported so the receiver need not change it). Errors:
// [ErrUnknownApplication], [ErrTooManyEndpoints], [durable.ErrInvalidURL] (and
// [ErrBlockedURL] for a URL the Sender's guard refuses), [ErrInvalidFilter],
// [ErrInvalidField], [ErrInvalidText].
func (e *Service[TTx]) CreateEndpoint(ctx context.Context, appID string, in Input) (Endpoint, string, error) {
	patterns, headers, err := checkInput(&in, &e.opts)
	if err != nil {
		return Endpoint{}, "", err
	}
	if err := e.catalog.CheckFilter(in.Filter); err != nil {
		return Endpoint{}, "", err
	}
	secret, err := newEndpointSecret(in.Secret)
	if err != nil {
		return Endpoint{}, "", err
	}
	id := "ep_" + strings.TrimPrefix(webhook.NewMessageID(), "msg_")
	now := e.opts.Now().UnixMicro()
	hdr, _ := json.Marshal(headers)
	flt, _ := json.Marshal(patterns)
	err = e.rt.Backend().InTx(ctx, func(_ TTx, r core.Runner) error {
		// Lock the application's row so concurrent creations count right.
		if n, err := r.Exec(ctx, `UPDATE webhook_application SET name = name WHERE app_id = ?`, appID); err != nil || n == 0 {
			return orErr(err, ErrUnknownApplication)
		}
		if ok, err := exists(ctx, r, `SELECT 1 FROM webhook_endpoint WHERE app_id = ? LIMIT 1 OFFSET ?`,
			appID, e.opts.MaxEndpointsPerApplication-1); err != nil || ok {
			return orErr(err, ErrTooManyEndpoints)
		}
		if _, err := r.Exec(ctx, `INSERT INTO webhook_endpoint (endpoint_id, app_id, url, description, enabled, filter, rate, burst,
	headers, version, failing_since_us, disabled_reason, created_us, updated_us, max_concurrency)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 0, ?, ?, ?, ?)`,
			id, appID, in.URL, in.Description, boolInt(!in.Disabled), string(flt), in.RateLimit, in.Burst, string(hdr),
			reasonFor(in.Disabled), now, now, in.MaxConcurrency); err != nil {
			return err
		}
		if err := insertPatterns(ctx, r, appID, id, patterns); err != nil {
			return err
		}
		return e.insertSecret(ctx, r, id, secret, now)
	})
	if err != nil {
		return Endpoint{}, "", wrapStore("create endpoint", err)
	}
	ep, err := e.GetEndpoint(ctx, appID, id)
	return ep, webhook.FormatSecret(secret), err
}

func insertPatterns(ctx context.Context, r core.Runner, appID, id string, patterns []string) error {
	for _, p := range patterns {
		if _, err := r.Exec(ctx, `INSERT INTO webhook_subscription (app_id, pattern, endpoint_id) VALUES (?, ?, ?)`, appID, p, id); err != nil {
			return err
		}
	}
	return nil
}

const endpointColumns = `endpoint_id, app_id, url, description, enabled, filter, rate, burst, headers, version,
	failing_since_us, disabled_reason, created_us, updated_us, max_concurrency, ` + breakerColumns

func scanEndpoint(r core.Rows, ep *Endpoint) error {
	var enabled int
	var flt, hdr string
	var failing, created, updated int64
	var br breakerRow
	if err := r.Scan(append([]any{&ep.ID, &ep.ApplicationID, &ep.URL, &ep.Description, &enabled, &flt, &ep.RateLimit, &ep.Burst,
		&hdr, &ep.version, &failing, &ep.DisabledReason, &created, &updated, &ep.MaxConcurrency}, br.dest()...)...); err != nil {
		return err
	}
	ep.Breaker = br.breaker()
	ep.Enabled = enabled == 1
	var ps []string
	_ = json.Unmarshal([]byte(flt), &ps)
	ep.Filter = filterFromPatterns(ps)
	ep.Headers = map[string]string{}
	_ = json.Unmarshal([]byte(hdr), &ep.Headers)
	if failing != 0 {
		t := time.UnixMicro(failing)
		ep.FailingSince = &t
	}
	ep.CreatedAt, ep.UpdatedAt = time.UnixMicro(created), time.UnixMicro(updated)
	return nil
}

// GetEndpoint returns an endpoint of application appID, or
// [ErrUnknownEndpoint].
func (e *Service[TTx]) GetEndpoint(ctx context.Context, appID, endpointID string) (Endpoint, error) {
	return e.getEndpoint(ctx, e.db, appID, endpointID)
}

// getEndpoint is [Service.GetEndpoint] on r, a database or a transaction.
func (e *Service[TTx]) getEndpoint(ctx context.Context, r core.Runner, appID, endpointID string) (Endpoint, error) {
	ep, err := loadEndpoint(ctx, r, endpointID)
	if err == nil && ep.ApplicationID != appID {
		err = ErrUnknownEndpoint
	}
	if err != nil {
		return Endpoint{}, err
	}
	ep.Secrets, err = secretInfos(ctx, r, endpointID, e.opts.Now())
	if err != nil {
		return Endpoint{}, err
	}
	return ep, nil
}

func loadEndpoint(ctx context.Context, r core.Runner, endpointID string) (Endpoint, error) {
	if !validText(endpointID) { // no such id can be stored
		return Endpoint{}, ErrUnknownEndpoint
	}
	var ep Endpoint
	found := false
	err := core.QueryEach(ctx, r, `SELECT `+endpointColumns+` FROM `+endpointFrom+` WHERE endpoint_id = ?`, []any{endpointID},
		func(r core.Rows) error { found = true; return scanEndpoint(r, &ep) })
	if err != nil {
		return Endpoint{}, fmt.Errorf("durable: get endpoint: %w", err)
	}
	if !found {
		return Endpoint{}, ErrUnknownEndpoint
	}
	return ep, nil
}

// ListEndpoints returns the endpoints of application appID, oldest first,
// or [ErrUnknownApplication].
func (e *Service[TTx]) ListEndpoints(ctx context.Context, appID string) ([]Endpoint, error) {
	if _, err := e.GetApplication(ctx, appID); err != nil {
		return nil, err
	}
	out := []Endpoint{}
	err := core.QueryEach(ctx, e.db, `SELECT `+endpointColumns+` FROM `+endpointFrom+` WHERE app_id = ? ORDER BY created_us, endpoint_id`,
		[]any{appID}, func(r core.Rows) error {
			var ep Endpoint
			err := scanEndpoint(r, &ep)
			out = append(out, ep)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("durable: list endpoints: %w", err)
	}
	return out, nil
}

// UpdateEndpoint changes the fields of upd that are set and leaves the
// others as they are. It is atomic: it reads, checks and writes the
// endpoint in one transaction that holds the endpoint's row (SELECT ... FOR
// UPDATE on PostgreSQL, the write lock on SQLite), so concurrent updates of
// different fields all stick, and the routing of deliveries always follows
// the stored filter. It returns the endpoint as this update left it.
// Errors are those of [Service.CreateEndpoint], and [ErrUnknownEndpoint].
func (e *Service[TTx]) UpdateEndpoint(ctx context.Context, appID, endpointID string, upd Update) (Endpoint, error) {
	var ep Endpoint
	var invalid error // a refused input, answered bare
	err := e.rt.Backend().InTx(ctx, func(_ TTx, r core.Runner) error {
		cur, err := e.lockEndpoint(ctx, r, appID, endpointID)
		if err != nil {
			return err
		}
		in := Input{URL: cur.URL, Description: cur.Description, Filter: cur.Filter, RateLimit: cur.RateLimit, Burst: cur.Burst, Headers: cur.Headers}
		apply(&in.URL, upd.URL)
		apply(&in.Description, upd.Description)
		apply(&in.Filter, upd.Filter)
		apply(&in.RateLimit, upd.RateLimit)
		apply(&in.Burst, upd.Burst)
		apply(&in.Headers, upd.Headers)
		in.MaxConcurrency = cur.MaxConcurrency
		apply(&in.MaxConcurrency, upd.MaxConcurrency)
		patterns, headers, err := checkInput(&in, &e.opts)
		if err != nil {
			invalid = err
			return err
		}
		if upd.Filter != nil { // a filter stored before a catalogue changed is kept
			if err := e.catalog.CheckFilter(in.Filter); err != nil {
				invalid = err
				return err
			}
		}
		hdr, _ := json.Marshal(headers)
		flt, _ := json.Marshal(patterns)
		if _, err := r.Exec(ctx, `UPDATE webhook_endpoint SET url = ?, description = ?, filter = ?, rate = ?, burst = ?, headers = ?,
	max_concurrency = ?, version = version + 1, updated_us = ? WHERE endpoint_id = ?`,
			in.URL, in.Description, string(flt), in.RateLimit, in.Burst, string(hdr), in.MaxConcurrency,
			e.opts.Now().UnixMicro(), endpointID); err != nil {
			return err
		}
		if err := syncPatterns(ctx, r, appID, endpointID, patterns); err != nil {
			return err
		}
		ep, err = e.getEndpoint(ctx, r, appID, endpointID)
		return err
	})
	if invalid != nil {
		return Endpoint{}, invalid
	}
	if err != nil {
		return Endpoint{}, wrapStore("update endpoint", err)
	}
	return ep, nil
}

// lockEndpoint reads an endpoint of appID inside a transaction and holds
// its row until the transaction ends: FOR UPDATE on PostgreSQL; on SQLite
// every transaction begins with the database's write lock (_txlock=immediate
// in [durable.OpenSQLite]), which serializes writers already.
func (e *Service[TTx]) lockEndpoint(ctx context.Context, r core.Runner, appID, endpointID string) (Endpoint, error) {
	if !validText(endpointID) {
		return Endpoint{}, ErrUnknownEndpoint
	}
	q := `SELECT ` + endpointColumns + ` FROM ` + endpointFrom + ` WHERE endpoint_id = ? AND app_id = ?`
	if e.rt.Backend().Dialect() == core.DialectPostgres {
		q += ` FOR UPDATE OF webhook_endpoint` // the breaker's row, outer-joined, is not the update's
	}
	var ep Endpoint
	found := false
	err := core.QueryEach(ctx, r, q, []any{endpointID, appID}, func(r core.Rows) error { found = true; return scanEndpoint(r, &ep) })
	if err != nil {
		return Endpoint{}, err
	}
	if !found {
		return Endpoint{}, ErrUnknownEndpoint
	}
	return ep, nil
}

// syncPatterns makes an endpoint's subscription rows, which route
// deliveries, equal patterns, the filter being stored. It rewrites them
// only when they differ, which also mends rows that an older release let
// drift from the stored filter.
func syncPatterns(ctx context.Context, r core.Runner, appID, endpointID string, patterns []string) error {
	var have []string
	err := core.QueryEach(ctx, r, `SELECT pattern FROM webhook_subscription WHERE endpoint_id = ? AND app_id = ? ORDER BY pattern`,
		[]any{endpointID, appID}, func(r core.Rows) error {
			var p string
			err := r.Scan(&p)
			have = append(have, p)
			return err
		})
	if err != nil || slices.Equal(have, patterns) { // both sorted
		return err
	}
	if _, err := r.Exec(ctx, `DELETE FROM webhook_subscription WHERE endpoint_id = ?`, endpointID); err != nil {
		return err
	}
	return insertPatterns(ctx, r, appID, endpointID, patterns)
}

func apply[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// DeleteEndpoint removes an endpoint, its subscriptions and secrets. Its
// queued deliveries are cancelled when their turn comes. It returns
// [ErrUnknownEndpoint] for an unknown endpoint.
func (e *Service[TTx]) DeleteEndpoint(ctx context.Context, appID, endpointID string) error {
	err := e.rt.Backend().InTx(ctx, func(_ TTx, r core.Runner) error {
		n, err := r.Exec(ctx, `DELETE FROM webhook_endpoint WHERE endpoint_id = ? AND app_id = ?`, endpointID, appID)
		if err != nil || n == 0 {
			return orErr(err, ErrUnknownEndpoint)
		}
		if _, err := r.Exec(ctx, `DELETE FROM webhook_subscription WHERE endpoint_id = ?`, endpointID); err != nil {
			return err
		}
		if _, err := r.Exec(ctx, `DELETE FROM webhook_endpoint_breaker WHERE endpoint_id = ?`, endpointID); err != nil {
			return err
		}
		if _, err = r.Exec(ctx, `DELETE FROM webhook_endpoint_secret WHERE endpoint_id = ?`, endpointID); err != nil {
			return err
		}
		return dropGate(ctx, r, endpointID) // gate14
	})
	return wrapStore("delete endpoint", err)
}

// EnableEndpoint enables an endpoint (after a manual or automatic
// disable) and forgets its failures, closing its circuit breaker.
// DisableEndpoint disables it: its deliveries are cancelled when their
// turn comes, and [Service.Recover] re-enqueues them once it is enabled
// again. Both return [ErrUnknownEndpoint] for an unknown endpoint.
func (e *Service[TTx]) EnableEndpoint(ctx context.Context, appID, endpointID string) (Endpoint, error) {
	return e.setEnabled(ctx, appID, endpointID, true)
}

// DisableEndpoint: see [Service.EnableEndpoint].
func (e *Service[TTx]) DisableEndpoint(ctx context.Context, appID, endpointID string) (Endpoint, error) {
	return e.setEnabled(ctx, appID, endpointID, false)
}

func (e *Service[TTx]) setEnabled(ctx context.Context, appID, endpointID string, on bool) (Endpoint, error) {
	n, err := e.db.Exec(ctx, `UPDATE webhook_endpoint SET enabled = ?, disabled_reason = ?, failing_since_us = 0,
	version = version + 1, updated_us = ? WHERE endpoint_id = ? AND app_id = ?`,
		boolInt(on), reasonFor(!on), e.opts.Now().UnixMicro(), endpointID, appID)
	if err != nil || n == 0 {
		return Endpoint{}, wrapStore("enable endpoint", orErr(err, ErrUnknownEndpoint))
	}
	if on { // forget its failures: close its breaker too
		if _, err := e.db.Exec(ctx, `DELETE FROM webhook_endpoint_breaker WHERE endpoint_id = ?`, endpointID); err != nil {
			return Endpoint{}, wrapStore("enable endpoint", err)
		}
	}
	return e.GetEndpoint(ctx, appID, endpointID)
}

func reasonFor(disabled bool) string {
	if disabled {
		return "manual"
	}
	return ""
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func exists(ctx context.Context, r core.Runner, q string, args ...any) (bool, error) {
	found := false
	err := core.QueryEach(ctx, r, q, args, func(core.Rows) error { found = true; return nil })
	return found, err
}

// orErr returns err, or def when err is nil.
func orErr(err, def error) error {
	if err != nil {
		return err
	}
	return def
}

// wrapStore adds context to database errors and leaves this package's
// sentinels bare.
func wrapStore(op string, err error) error {
	if err == nil || isEndpointSentinel(err) {
		return err
	}
	return fmt.Errorf("durable: %s: %w", op, err)
}

func isEndpointSentinel(err error) bool {
	switch err {
	case ErrUnknownApplication, ErrUnknownEndpoint, ErrUnknownMessage, ErrDuplicateApplication, ErrTooManyEndpoints:
		return true
	}
	return false
}
