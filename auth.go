package webhook

import (
	"net/http"
	"time"
)

// Authenticator authenticates one webhook request. It is the seam between the
// consumer pipeline and a signature scheme: [Verifier] implements it for this
// package's wire format, and other schemes (Standard Webhooks, Stripe-style,
// GitHub) implement it in their own packages, so the same middleware,
// replay guard, idempotency and routing serve them all.
//
// Implementations must be safe for concurrent use.
type Authenticator interface {
	// Authenticate checks r, whose body has already been read into body
	// (r.Body must not be read). It returns what the middleware needs to
	// guard against replays and duplicates.
	//
	// Errors must match, with errors.Is, one of [ErrMissingSignature],
	// [ErrInvalidHeader] (answered 400), [ErrNoMatchingSignature],
	// [ErrTimestampTooOld] or [ErrTimestampTooNew] (answered 401). Any other
	// error is answered 401 as well. Error text never contains secrets.
	Authenticate(r *http.Request, body []byte) (Authenticated, error)
}

// Authenticated is what an [Authenticator] learned from a genuine request.
type Authenticated struct {
	// ID is the message id, stable across retries of one message, or "" when
	// the request carries none (such a request is not deduplicated by id).
	ID string

	// Type is the event type when the scheme carries it outside the body
	// (GitHub's X-GitHub-Event), or "" to take it from the JSON body.
	Type string

	// Timestamp is the signed time, or the zero time for schemes without one.
	Timestamp time.Time

	// Fingerprint identifies this exact signature (for example the signature
	// bytes that matched, hex-encoded). The replay guard remembers it for
	// ReplayWindow; it must not reveal a secret.
	Fingerprint string

	// ReplayWindow is how long Fingerprint must be remembered: the span in
	// which the same signed request would still verify (twice the timestamp
	// tolerance), or 0 to let the middleware choose (schemes without a
	// timestamp).
	ReplayWindow time.Duration
}
