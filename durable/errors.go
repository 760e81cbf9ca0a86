package durable

import "errors"

// Errors returned by this package; match them with [errors.Is].
var (
	// ErrNotFound means no outbox message or inbox event has this id (or it
	// was removed after its retention period).
	ErrNotFound = errors.New("durable: not found")

	// ErrInvalidURL means a delivery target is not an absolute http or https
	// URL of at most 2048 bytes.
	ErrInvalidURL = errors.New("durable: invalid target URL")

	// ErrInvalidID means a message id is longer than 255 bytes.
	ErrInvalidID = errors.New("durable: invalid message id")

	// ErrInvalidMessage means an outbox [Message] has neither or both of
	// Data and Payload, Data that encoding/json cannot marshal, or a type
	// longer than 255 bytes.
	ErrInvalidMessage = errors.New("durable: invalid message")

	// ErrPayloadTooLarge means a payload exceeds the configured limit.
	ErrPayloadTooLarge = errors.New("durable: payload too large")

	// ErrRuntimeInUse means a component was built on a [Runtime] after the
	// Runtime's first use (an enqueue, a lookup or [Runtime.Start]), which
	// fixed the queues its River client works.
	ErrRuntimeInUse = errors.New("durable: runtime already in use; attach every component first")
)
