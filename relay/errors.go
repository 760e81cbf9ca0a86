package relay

import (
	"errors"
	"fmt"
	"strings"
)

// Errors returned by this package; match them with [errors.Is]. A
// configuration error is a [*ConfigError] that wraps one of the first four.
var (
	// ErrUnknownKey means the configuration has a key this package does
	// not know (often a misspelling).
	ErrUnknownKey = errors.New("relay: unknown key")

	// ErrMissingKey means a required key is absent or empty.
	ErrMissingKey = errors.New("relay: missing key")

	// ErrInvalidValue means a key's value is malformed, out of range or
	// refers to something that does not exist.
	ErrInvalidValue = errors.New("relay: invalid value")

	// ErrMissingSecret means a secret's environment variable is unset or
	// empty, or its file cannot be read or is empty.
	ErrMissingSecret = errors.New("relay: missing secret")

	// ErrUnknownEvent means no event with this id was routed by the relay.
	ErrUnknownEvent = errors.New("relay: unknown event")

	// ErrUnknownDestination means no destination has this name.
	ErrUnknownDestination = errors.New("relay: unknown destination")
)

// ConfigError is an invalid configuration: the key (a path such as
// "sources[1].secret_env") and the line where it is, or where it is
// missing. Its text never contains a secret.
type ConfigError struct {
	// File is the name given in [ConfigOptions.Filename], or "".
	File string
	// Line is the 1-based line of the key, or of the mapping that lacks it.
	Line int
	// Key is the path of the key.
	Key string
	// Err is one of [ErrUnknownKey], [ErrMissingKey], [ErrInvalidValue] and
	// [ErrMissingSecret], possibly wrapped with details.
	Err error
}

// Error returns "relay: FILE:LINE: KEY: reason" (without KEY for a
// syntax error).
func (e *ConfigError) Error() string {
	file := e.File
	if file == "" {
		file = "config"
	}
	reason := strings.TrimPrefix(e.Err.Error(), "relay: ")
	if e.Key == "" {
		return fmt.Sprintf("relay: %s:%d: %s", file, e.Line, reason)
	}
	return fmt.Sprintf("relay: %s:%d: %s: %s", file, e.Line, e.Key, reason)
}

// Unwrap returns the reason.
func (e *ConfigError) Unwrap() error { return e.Err }
