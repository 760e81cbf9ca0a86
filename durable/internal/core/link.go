package core

import (
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// Runtime is what package durable/endpoints reaches of a durable.Runtime:
// its backend, its River client and the attachment of the endpoints'
// worker. durable implements it on an unexported type, so none of it is
// part of durable's exported API.
type Runtime[TTx any] interface {
	Backend() Backend[TTx]
	// River returns the runtime's River client, built on first use.
	River() (*river.Client[TTx], error)
	// AttachEndpoints records e as the runtime's endpoints, unless it has
	// some already or is in use.
	AttachEndpoints(e Attached[EndpointArgs]) error
	Logger() *slog.Logger
	// JobTimeout is the runtime's RuntimeOptions.JobTimeout.
	JobTimeout() time.Duration
}

// link holds durable's accessors, set once by durable's init: a
// durable.Runtime or durable.Backend handed to package endpoints is
// opened through them. They are not configuration; nothing changes them
// later.
var link struct {
	runtime func(rt any) any
	backend func(b any) any
}

// Link sets durable's accessors. Only package durable calls it, from init.
func Link(runtime, backend func(any) any) {
	link.runtime, link.backend = runtime, backend
}

// RuntimeOf returns the Runtime view of rt, a *durable.Runtime[TTx].
func RuntimeOf[TTx any](rt any) Runtime[TTx] {
	return link.runtime(rt).(Runtime[TTx])
}

// BackendOf returns the Backend inside b, a durable.Backend[TTx].
func BackendOf[TTx any](b any) Backend[TTx] {
	return link.backend(b).(Backend[TTx])
}
