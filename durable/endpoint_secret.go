package durable

import (
	"context"
	"fmt"
	"time"

	webhook "github.com/signedhooks/webhook"
)

type storedSecret struct {
	info SecretInfo
	key  []byte
}

// liveSecrets returns the secrets of an endpoint that sign at now, newest
// first: the current one and those still in their grace period.
func liveSecrets(ctx context.Context, r runner, endpointID string, now time.Time) ([]storedSecret, error) {
	var out []storedSecret
	err := queryEach(ctx, r, `SELECT id, secret, created_us, expires_us FROM webhook_endpoint_secret
	WHERE endpoint_id = ? AND (expires_us = 0 OR expires_us > ?) ORDER BY id DESC`,
		[]any{endpointID, now.UnixMicro()}, func(r rows) error {
			var s storedSecret
			var text string
			var created, expires int64
			if err := r.Scan(&s.info.ID, &text, &created, &expires); err != nil {
				return err
			}
			key, err := webhook.ParseSecret(text)
			if err != nil {
				return fmt.Errorf("stored secret %d: %w", s.info.ID, err)
			}
			s.key = key
			s.info.CreatedAt = time.UnixMicro(created)
			if expires != 0 {
				t := time.UnixMicro(expires)
				s.info.ExpiresAt = &t
			}
			out = append(out, s)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("durable: reading secrets: %w", err)
	}
	return out, nil
}

// RotateSecret gives an endpoint a new signing secret and returns it in
// "whsec_" form: the only time it is shown. The secrets it replaces keep
// signing for grace (0: [EndpointsOptions.RotationGrace]), so every
// delivery carries one "s=" per live secret until they expire; a negative
// grace retires them at once. It returns [ErrUnknownEndpoint].
func (e *Endpoints[TTx]) RotateSecret(ctx context.Context, appID, endpointID string, grace time.Duration) (string, error) {
	if grace == 0 {
		grace = e.opts.RotationGrace
	}
	secret, err := webhook.NewSecret()
	if err != nil {
		return "", err
	}
	now := e.opts.Now()
	expires := now.Add(max(grace, 0)).UnixMicro()
	err = inTx(ctx, e.rt.backend, func(_ TTx, r runner) error {
		n, err := r.exec(ctx, `UPDATE webhook_endpoint SET version = version + 1, updated_us = ? WHERE endpoint_id = ? AND app_id = ?`,
			now.UnixMicro(), endpointID, appID)
		if err != nil || n == 0 {
			return orErr(err, ErrUnknownEndpoint)
		}
		// Shorten, never lengthen, the grace of secrets already expiring.
		if _, err := r.exec(ctx, `UPDATE webhook_endpoint_secret SET expires_us = ?
	WHERE endpoint_id = ? AND (expires_us = 0 OR expires_us > ?)`, expires, endpointID, expires); err != nil {
			return err
		}
		if _, err := r.exec(ctx, `DELETE FROM webhook_endpoint_secret WHERE endpoint_id = ? AND expires_us <> 0 AND expires_us <= ?`,
			endpointID, now.UnixMicro()); err != nil {
			return err
		}
		_, err = r.exec(ctx, `INSERT INTO webhook_endpoint_secret (endpoint_id, secret, created_us, expires_us) VALUES (?, ?, ?, 0)`,
			endpointID, webhook.FormatSecret(secret), now.UnixMicro())
		return err
	})
	if err != nil {
		return "", wrapStore("rotate secret", err)
	}
	return webhook.FormatSecret(secret), nil
}
