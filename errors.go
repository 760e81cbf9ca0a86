package webhook

import (
	"errors"

	"github.com/signedhooks/webhook/internal/authkit"
)

// Verification errors. [Verifier.Verify] and [Verifier.VerifyRequest] return
// one of these, possibly wrapped with detail; match them with [errors.Is].
// None of them ever contains secret material. The scheme packages
// (standardwebhooks, stripesig, githubsig) return the same values: each rule
// and its errors are defined once, below this package and the schemes.
var (
	// ErrMissingSignature means the request carried no signature header.
	ErrMissingSignature = authkit.ErrMissingSignature

	// ErrInvalidHeader means the signature header could not be parsed: no
	// "t", no "s", a duplicate "t", a signature that is not 64 hex digits,
	// too many signatures, or a header longer than the limit.
	ErrInvalidHeader = authkit.ErrInvalidHeader

	// ErrNoMatchingSignature means the header was well formed but none of its
	// signatures was made with any of the verifier's secrets over this body.
	ErrNoMatchingSignature = authkit.ErrNoMatchingSignature

	// ErrTimestampTooOld means the signature is genuine but its timestamp is
	// older than the tolerance allows.
	ErrTimestampTooOld = authkit.ErrTimestampTooOld

	// ErrTimestampTooNew means the signature is genuine but its timestamp is
	// further in the future than the tolerance allows.
	ErrTimestampTooNew = authkit.ErrTimestampTooNew

	// ErrBodyTooLarge means the body exceeded the configured limit; no more
	// than the limit plus one byte was read.
	ErrBodyTooLarge = errors.New("webhook: body too large")
)

// Secret errors, returned by [ParseSecret], [SecretFromEnv], [NewSigner] and
// [NewVerifier].
var (
	// ErrSecretTooShort means a secret has fewer than [MinSecretLen] bytes.
	ErrSecretTooShort = authkit.ErrSecretTooShort

	// ErrSecretNotSet means the environment variable named for a secret is
	// unset or empty.
	ErrSecretNotSet = errors.New("webhook: secret not set")

	// ErrInvalidSecret means a "whsec_" secret is not valid base64.
	ErrInvalidSecret = authkit.ErrInvalidSecret

	// ErrNoSecret means a signer or verifier was built without any secret.
	ErrNoSecret = authkit.ErrNoSecret
)

// Delivery errors. A [Sender] returns a [*DeliveryError] whose Err matches
// one or more of these with [errors.Is]; [AttemptReport.Err] matches them too.
var (
	// ErrGaveUp means every attempt the retry policy allowed failed.
	ErrGaveUp = errors.New("webhook: delivery gave up after the last attempt")

	// ErrRejected means the endpoint refused the delivery in a way that
	// retrying cannot fix: a 4xx other than 408, 409, 425 and 429, or a
	// permanent redirect (301, 308).
	ErrRejected = errors.New("webhook: endpoint rejected the delivery")

	// ErrGone means the endpoint answered 410 Gone: it no longer accepts
	// deliveries, and a provider should stop sending to it.
	ErrGone = errors.New("webhook: endpoint is gone")

	// ErrStatus means the endpoint answered with a status worth retrying
	// (408, 409, 425, 429, 5xx, a temporary redirect).
	ErrStatus = errors.New("webhook: endpoint answered with a failure status")

	// ErrBlockedAddress means the destination resolved to an address the
	// Sender's guard against server-side request forgery refuses (loopback,
	// private, link-local, shared, multicast, metadata and similar).
	ErrBlockedAddress = errors.New("webhook: destination address not allowed")

	// ErrInvalidURL means the destination is not an absolute http or https
	// URL with a host.
	ErrInvalidURL = errors.New("webhook: invalid destination URL")

	// ErrInvalidMessage means the message cannot be sent: both Payload and
	// Data are set, Data cannot be marshalled to JSON, or a single attempt
	// was asked for a message without an id.
	ErrInvalidMessage = errors.New("webhook: invalid message")

	// ErrNoData is wrapped by the error of [DecodeData] when the payload
	// has no top-level "data" field.
	ErrNoData = errors.New("webhook: event payload has no data field")
)

// ErrStoreFull is returned by [MemoryStore.Claim] when the store holds
// [MemoryStoreOptions.MaxEntries] live entries and cannot take a new one
// without forgetting one it promised to keep. The middleware answers it with
// 503 and Retry-After.
var ErrStoreFull = errors.New("webhook: idempotency store full")

// ErrHandlerPanic is wrapped by the error [Mux.Dispatch] returns when an
// event handler panicked; the panic value follows in the message.
var ErrHandlerPanic = errors.New("webhook: event handler panicked")

// ErrUnprocessable marks an event its handler can never process, a poison
// message: acknowledge it and record it, never retry it. Handlers return it
// through [Unprocessable]; match it with [errors.Is].
var ErrUnprocessable = errors.New("webhook: unprocessable event")
