package endpoints

import (
	"context"
	"fmt"
	"strconv"
	"time"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable/internal/core"
)

// Endpoint secrets at rest. Without [Options.SecretKeys] a
// secret is stored as its "whsec_" text, as releases before key rings
// did. With a key ring, every secret written is sealed under the newest
// key ("enc:v1:<key id>:<base64 nonce and ciphertext>"), bound to its
// endpoint id and row id so that a sealed value copied to another row or
// endpoint does not open; plaintext rows still read until
// [Service.ReencryptSecrets] seals them. The table webhook_secret_key
// keeps, for each key that sealed something, a value sealed under it, so
// that [New] can tell at once that the configured keys cannot
// read the database, instead of failing delivery by delivery.

type storedSecret struct {
	info SecretInfo
	key  []byte
}

// maxImportedSecretLen bounds an imported secret; HMAC-SHA256 hashes
// longer keys anyway.
const maxImportedSecretLen = 64

// reencryptBatch is how many secret rows ReencryptSecrets reads and
// rewrites per transaction.
const reencryptBatch = 200

// secretKeySchema is the table of key checks, migrated with the
// endpoints' tables.
func secretKeySchema() []string {
	return []string{`CREATE TABLE IF NOT EXISTS webhook_secret_key (
	key_id TEXT PRIMARY KEY,
	check_value TEXT NOT NULL,
	created_us BIGINT NOT NULL
)`}
}

// secretAAD is the associated data of a sealed secret: its endpoint and
// row, so a value moved elsewhere fails authentication.
func secretAAD(endpointID string, id int64) []byte {
	return []byte("webhook_endpoint_secret\x00" + endpointID + "\x00" + strconv.FormatInt(id, 10))
}

// keyCheckAAD and keyCheckText make the check value of a key.
func keyCheckAAD(keyID string) []byte { return []byte("webhook_secret_key\x00" + keyID) }

var keyCheckText = []byte("signedhooks durable key check")

// newEndpointSecret returns the imported secret in, checked with the
// core's rules ([webhook.ParseSecret]: "whsec_<base64>", or the raw
// string, at least [webhook.MinSecretLen] bytes) and at most 64 bytes, or
// a new random one when in is empty.
func newEndpointSecret(in string) ([]byte, error) {
	if in == "" {
		return webhook.NewSecret()
	}
	if len(in) > 2*maxImportedSecretLen {
		return nil, fmt.Errorf("%w: secret must be at most %d bytes", ErrInvalidField, maxImportedSecretLen)
	}
	key, err := webhook.ParseSecret(in)
	if err != nil {
		return nil, fmt.Errorf("%w: secret: %w", ErrInvalidField, err)
	}
	if len(key) > maxImportedSecretLen {
		return nil, fmt.Errorf("%w: secret must be at most %d bytes", ErrInvalidField, maxImportedSecretLen)
	}
	return key, nil
}

// insertSecret stores key as a new live secret of endpointID, sealed when
// there are keys. The row id is part of the sealed value's associated
// data, so the row is inserted first and filled in the same transaction.
func (e *Service[TTx]) insertSecret(ctx context.Context, r core.Runner, endpointID string, key []byte, nowUS int64) error {
	if e.opts.SecretKeys == nil {
		_, err := r.Exec(ctx, `INSERT INTO webhook_endpoint_secret (endpoint_id, secret, created_us, expires_us) VALUES (?, ?, ?, 0)`,
			endpointID, webhook.FormatSecret(key), nowUS)
		return err
	}
	var id int64
	err := core.QueryEach(ctx, r, `INSERT INTO webhook_endpoint_secret (endpoint_id, secret, created_us, expires_us) VALUES (?, '', ?, 0) RETURNING id`,
		[]any{endpointID, nowUS}, func(r core.Rows) error { return r.Scan(&id) })
	if err != nil {
		return err
	}
	sealed, err := e.opts.SecretKeys.seal(key, secretAAD(endpointID, id))
	if err != nil {
		return err
	}
	if _, err := r.Exec(ctx, `UPDATE webhook_endpoint_secret SET secret = ? WHERE id = ?`, sealed, id); err != nil {
		return err
	}
	return e.recordKeyCheck(ctx, r, nowUS)
}

// recordKeyCheck makes sure the newest key has its check row.
func (e *Service[TTx]) recordKeyCheck(ctx context.Context, r core.Runner, nowUS int64) error {
	_, err := r.Exec(ctx, `INSERT INTO webhook_secret_key (key_id, check_value, created_us) VALUES (?, ?, ?) ON CONFLICT (key_id) DO NOTHING`,
		e.opts.SecretKeys.newest(), e.keyCheck, nowUS)
	return err
}

// openSecret returns the key of a stored secret of endpointID: sealed
// with the key ring, or plaintext "whsec_" text from before.
func (e *Service[TTx]) openSecret(endpointID string, id int64, text string) ([]byte, error) {
	if !isSealed(text) {
		return webhook.ParseSecret(text)
	}
	if e.opts.SecretKeys == nil {
		return nil, fmt.Errorf("%w: the secret is encrypted and Options.SecretKeys is not set", ErrSecretKeys)
	}
	return e.opts.SecretKeys.open(text, secretAAD(endpointID, id))
}

// secretInfos describes the secrets of an endpoint that sign at now,
// newest first, without reading them: showing an endpoint never needs
// its keys.
func secretInfos(ctx context.Context, r core.Runner, endpointID string, now time.Time) ([]SecretInfo, error) {
	var out []SecretInfo
	err := core.QueryEach(ctx, r, `SELECT id, created_us, expires_us FROM webhook_endpoint_secret
	WHERE endpoint_id = ? AND (expires_us = 0 OR expires_us > ?) ORDER BY id DESC`,
		[]any{endpointID, now.UnixMicro()}, func(r core.Rows) error {
			var s SecretInfo
			var created, expires int64
			if err := r.Scan(&s.ID, &created, &expires); err != nil {
				return err
			}
			s.CreatedAt = time.UnixMicro(created)
			if expires != 0 {
				t := time.UnixMicro(expires)
				s.ExpiresAt = &t
			}
			out = append(out, s)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("durable: reading secrets: %w", err)
	}
	return out, nil
}

// liveSecrets returns the secrets of an endpoint that sign at now, newest
// first: the current one and those still in their grace period. A secret
// that does not decrypt is an error wrapping [ErrSecretKeys]: the
// delivery is retried, never sent without it.
func (e *Service[TTx]) liveSecrets(ctx context.Context, r core.Runner, endpointID string, now time.Time) ([]storedSecret, error) {
	var out []storedSecret
	err := core.QueryEach(ctx, r, `SELECT id, secret, created_us, expires_us FROM webhook_endpoint_secret
	WHERE endpoint_id = ? AND (expires_us = 0 OR expires_us > ?) ORDER BY id DESC`,
		[]any{endpointID, now.UnixMicro()}, func(r core.Rows) error {
			var s storedSecret
			var text string
			var created, expires int64
			if err := r.Scan(&s.info.ID, &text, &created, &expires); err != nil {
				return err
			}
			key, err := e.openSecret(endpointID, s.info.ID, text)
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
// signing for grace (0: [Options.RotationGrace]), so every
// delivery carries one "s=" per live secret until they expire; a negative
// grace retires them at once. It returns [ErrUnknownEndpoint].
func (e *Service[TTx]) RotateSecret(ctx context.Context, appID, endpointID string, grace time.Duration) (string, error) {
	if grace == 0 {
		grace = e.opts.RotationGrace
	}
	secret, err := webhook.NewSecret()
	if err != nil {
		return "", err
	}
	now := e.opts.Now()
	expires := now.Add(max(grace, 0)).UnixMicro()
	err = e.rt.Backend().InTx(ctx, func(_ TTx, r core.Runner) error {
		n, err := r.Exec(ctx, `UPDATE webhook_endpoint SET version = version + 1, updated_us = ? WHERE endpoint_id = ? AND app_id = ?`,
			now.UnixMicro(), endpointID, appID)
		if err != nil || n == 0 {
			return orErr(err, ErrUnknownEndpoint)
		}
		// Shorten, never lengthen, the grace of secrets already expiring.
		if _, err := r.Exec(ctx, `UPDATE webhook_endpoint_secret SET expires_us = ?
	WHERE endpoint_id = ? AND (expires_us = 0 OR expires_us > ?)`, expires, endpointID, expires); err != nil {
			return err
		}
		if _, err := r.Exec(ctx, `DELETE FROM webhook_endpoint_secret WHERE endpoint_id = ? AND expires_us <> 0 AND expires_us <= ?`,
			endpointID, now.UnixMicro()); err != nil {
			return err
		}
		return e.insertSecret(ctx, r, endpointID, secret, now.UnixMicro())
	})
	if err != nil {
		return "", wrapStore("rotate secret", err)
	}
	return webhook.FormatSecret(secret), nil
}

// checkSecretKeys is the start-up check of [New]: every key that
// sealed a stored secret must be in the ring and open its check value.
// Without a ring, the database must hold no sealed secret. A check row of
// a key missing from the ring whose secrets have all been re-encrypted is
// removed.
func (e *Service[TTx]) checkSecretKeys(ctx context.Context) error {
	kr := e.opts.SecretKeys
	type check struct{ id, value string }
	var checks []check
	err := core.QueryEach(ctx, e.db, `SELECT key_id, check_value FROM webhook_secret_key ORDER BY key_id`, nil, func(r core.Rows) error {
		var c check
		err := r.Scan(&c.id, &c.value)
		checks = append(checks, c)
		return err
	})
	if err != nil {
		return fmt.Errorf("durable: checking secret keys (did Migrate run?): %w", err)
	}
	for _, c := range checks {
		if kr != nil && kr.has(c.id) {
			if _, err := kr.open(c.value, keyCheckAAD(c.id)); err != nil {
				return fmt.Errorf("durable: key %s does not match the key that encrypted the stored secrets: %w", c.id, err)
			}
			continue
		}
		used, err := exists(ctx, e.db, `SELECT 1 FROM webhook_endpoint_secret WHERE secret LIKE ? LIMIT 1`, sealedPrefix+c.id+":%")
		if err != nil {
			return fmt.Errorf("durable: checking secret keys: %w", err)
		}
		if used && kr == nil {
			return fmt.Errorf("%w: stored secrets are encrypted (key %s) and Options.SecretKeys is not set", ErrSecretKeys, c.id)
		}
		if used {
			return fmt.Errorf("%w: stored secrets are encrypted under key %s, which Options.SecretKeys (keys %v) lacks",
				ErrSecretKeys, c.id, kr.KeyIDs())
		}
		if _, err := e.db.Exec(ctx, `DELETE FROM webhook_secret_key WHERE key_id = ?`, c.id); err != nil {
			return fmt.Errorf("durable: checking secret keys: %w", err)
		}
	}
	if kr == nil {
		e.rt.Logger().Warn("durable: endpoint secrets are stored in plaintext; set Options.SecretKeys to encrypt them")
		return nil
	}
	if err := e.recordKeyCheck(ctx, e.db, e.opts.Now().UnixMicro()); err != nil {
		return fmt.Errorf("durable: recording secret key: %w", err)
	}
	return nil
}

// ReencryptSecrets seals every stored endpoint secret that is not sealed
// under the newest key of [Options.SecretKeys] (plaintext
// secrets of earlier releases included) under that key, and returns how
// many it rewrote. Call it after putting a new key first in the ring and
// deploying it everywhere; once it returns, the older keys may be dropped.
//
// It works in batches of a few hundred rows, each in its own transaction,
// and rewrites a row only if it is unchanged since read, so it is safe
// while deliveries, rotations and deletions run, and idempotent: run it
// again after an error or on a schedule. Without SecretKeys it returns an
// error wrapping [ErrSecretKeys]; a row that does not decrypt stops it
// with such an error, naming the row, never the secret.
func (e *Service[TTx]) ReencryptSecrets(ctx context.Context) (int, error) {
	kr := e.opts.SecretKeys
	if kr == nil {
		return 0, fmt.Errorf("%w: ReencryptSecrets needs Options.SecretKeys", ErrSecretKeys)
	}
	type row struct {
		id       int64
		endpoint string
		text     string
	}
	total := 0
	for last := int64(0); ; {
		var batch []row
		err := core.QueryEach(ctx, e.db, `SELECT id, endpoint_id, secret FROM webhook_endpoint_secret WHERE id > ? ORDER BY id LIMIT ?`,
			[]any{last, reencryptBatch}, func(r core.Rows) error {
				var x row
				err := r.Scan(&x.id, &x.endpoint, &x.text)
				batch = append(batch, x)
				return err
			})
		if err != nil {
			return total, fmt.Errorf("durable: re-encrypt secrets: %w", err)
		}
		if len(batch) == 0 {
			break
		}
		last = batch[len(batch)-1].id
		n := 0
		err = e.rt.Backend().InTx(ctx, func(_ TTx, r core.Runner) error {
			n = 0
			for _, x := range batch {
				if sealedKeyID(x.text) == kr.newest() {
					continue
				}
				key, err := e.openSecret(x.endpoint, x.id, x.text)
				if err != nil {
					return fmt.Errorf("secret %d: %w", x.id, err)
				}
				sealed, err := kr.seal(key, secretAAD(x.endpoint, x.id))
				if err != nil {
					return err
				}
				k, err := r.Exec(ctx, `UPDATE webhook_endpoint_secret SET secret = ? WHERE id = ? AND secret = ?`, sealed, x.id, x.text)
				if err != nil {
					return err
				}
				n += int(k)
			}
			if n > 0 {
				if err := e.recordKeyCheck(ctx, r, e.opts.Now().UnixMicro()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("durable: re-encrypt secrets: %w", err)
		}
		total += n
	}
	// Forget the keys that no longer seal anything, so that they may leave
	// the ring.
	_, err := e.db.Exec(ctx, `DELETE FROM webhook_secret_key WHERE key_id <> ?
	AND NOT EXISTS (SELECT 1 FROM webhook_endpoint_secret WHERE secret LIKE '`+sealedPrefix+`' || key_id || ':%')`, kr.newest())
	if err != nil {
		return total, fmt.Errorf("durable: re-encrypt secrets: %w", err)
	}
	return total, nil
}
