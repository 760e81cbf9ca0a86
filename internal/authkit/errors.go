package authkit

import (
	"errors"
	"time"
)

// The errors and limits that every signature scheme shares. Package webhook
// re-exports them under the same names (webhook.ErrInvalidHeader is
// ErrInvalidHeader), as os re-exports the errors of io/fs, so that the
// scheme packages and the root return one set of values that users match
// with errors.Is. Their documentation for users is in package webhook.
var (
	// ErrMissingSignature means the request carries no signature.
	ErrMissingSignature = errors.New("webhook: missing signature header")
	// ErrInvalidHeader means the signature headers do not parse, or break a bound.
	ErrInvalidHeader = errors.New("webhook: malformed signature header")
	// ErrNoMatchingSignature means no signature was made with any of the secrets.
	ErrNoMatchingSignature = errors.New("webhook: no matching signature")
	// ErrTimestampTooOld means a genuine signature, signed too long ago.
	ErrTimestampTooOld = errors.New("webhook: timestamp too old")
	// ErrTimestampTooNew means a genuine signature, signed too far ahead.
	ErrTimestampTooNew = errors.New("webhook: timestamp in the future")

	// ErrSecretTooShort means a secret has fewer than MinSecretLen bytes.
	ErrSecretTooShort = errors.New("webhook: secret too short")
	// ErrInvalidSecret means a printable secret or key does not decode.
	ErrInvalidSecret = errors.New("webhook: malformed secret")
	// ErrNoSecret means a signer or verifier was given no secret.
	ErrNoSecret = errors.New("webhook: no secret given")
)

const (
	// MinSecretLen is the shortest HMAC secret, in bytes, that a signer or
	// verifier accepts by default.
	MinSecretLen = 16

	// DefaultTolerance is how far a signed timestamp may lie from the
	// verifier's clock, in either direction, when no tolerance is set.
	DefaultTolerance = 5 * time.Minute
)
