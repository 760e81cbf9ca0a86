package endpoints

import "errors"

// Errors returned by [Service] and its management API; match them with
// [errors.Is]. The API answers each with a 4xx and the machine-readable code
// in parentheses.
var (
	// ErrUnknownApplication means no application has this id
	// ("unknown_application", 404).
	ErrUnknownApplication = errors.New("durable: unknown application")

	// ErrUnknownEndpoint means the application has no endpoint with this id
	// ("unknown_endpoint", 404).
	ErrUnknownEndpoint = errors.New("durable: unknown endpoint")

	// ErrUnknownMessage means the application has no message with this id
	// ("unknown_message", 404).
	ErrUnknownMessage = errors.New("durable: unknown message")

	// ErrBlockedURL means an endpoint URL names a host the Sender's guard
	// against server-side request forgery refuses: a loopback, private,
	// link-local, shared, reserved or metadata address in any of its forms,
	// a loopback name, or a private-use domain (see [webhook.CheckURL]).
	// Such errors match [durable.ErrInvalidURL] too, and the API answers them as
	// "invalid_url" (422), with a message naming the address and its kind.
	// The guard checks every resolved address again at dial time.
	ErrBlockedURL = errors.New("durable: endpoint URL points to a private network")

	// ErrInvalidText means a text field or an id holds a NUL byte or
	// invalid UTF-8, which no backend stores ("invalid_text", 400). Such
	// errors match [ErrInvalidField] too (or [durable.ErrInvalidURL], for a URL).
	ErrInvalidText = errors.New("durable: invalid text")

	// ErrDisabled means the endpoint is disabled, so a message
	// cannot be resent to it; enable it first ("endpoint_disabled", 409).
	ErrDisabled = errors.New("durable: endpoint disabled")

	// ErrDeliveryRunning means a resend found the message's delivery to
	// the endpoint running: its attempt is in flight, and a resend now
	// would be lost if that attempt ends the delivery. Resend again once
	// the attempt has ended ("delivery_running", 409).
	ErrDeliveryRunning = errors.New("durable: the delivery is running; resend it when its attempt has ended")

	// ErrInvalidFilter means an event-type filter is malformed: each entry
	// is an event type such as "invoice.paid", or a prefix such as
	// "invoice.*" ("invalid_filter", 422).
	ErrInvalidFilter = errors.New("durable: invalid event-type filter")

	// ErrInvalidField means a field is malformed, out of range or too long:
	// an application or message id, an event type, a description, a header
	// or a rate limit ("invalid_field", 422).
	ErrInvalidField = errors.New("durable: invalid field")

	// ErrTooManyEndpoints means the application has
	// [Options.MaxEndpointsPerApplication] endpoints already
	// ("too_many_endpoints", 409).
	ErrTooManyEndpoints = errors.New("durable: too many endpoints")

	// ErrDuplicateApplication means an application with this id exists
	// ("duplicate_application", 409).
	ErrDuplicateApplication = errors.New("durable: application exists")
)

// Errors about the keys that encrypt endpoint secrets at rest (see
// [KeyRing]). Their messages name keys by id, never by value.
var (
	// ErrSecretKeys means the configured [Options.SecretKeys]
	// cannot decrypt what the database holds: a key is missing or wrong,
	// the database holds encrypted secrets but no keys are configured, or
	// a stored value was tampered with. [New] refuses to start
	// with it; a delivery whose secret cannot be decrypted is retried,
	// never sent unsigned.
	ErrSecretKeys = errors.New("durable: endpoint secrets cannot be decrypted with the configured keys")

	// ErrInvalidSecretKeys means a key ring is malformed: no key, a key
	// that is not [SecretKeyLen] bytes of "whkey_" base64, or a duplicate.
	ErrInvalidSecretKeys = errors.New("durable: invalid secret keys")
)
