package portal

import "errors"

// Errors returned by [New] and [Portal.URL]; match them with [errors.Is].
var (
	// ErrShortKey means [Options.Key] is missing or shorter than 32 bytes.
	ErrShortKey = errors.New("portal: the key must be at least 32 bytes")

	// ErrInvalidTTL means a link's lifetime is not positive or is longer
	// than [Options.MaxLinkTTL].
	ErrInvalidTTL = errors.New("portal: invalid link lifetime")

	// ErrInvalidApplication means an application id is not one durable
	// accepts (1 to 64 letters, digits, '_', '-', '.', ':').
	ErrInvalidApplication = errors.New("portal: invalid application id")

	// ErrInvalidOptions means an option is malformed: [Options.Path], or a
	// declared event type (the error wraps durable's).
	ErrInvalidOptions = errors.New("portal: invalid options")
)
