package core

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// The queues and job kinds of this module. They are stored in River's
// tables: a release that changes one must migrate the jobs it holds.
const (
	OutboxQueue  = "webhook_outbox"
	DeliveryKind = "webhook_delivery"

	InboxQueue = "webhook_inbox"
	EventKind  = "webhook_inbox_event"

	EndpointQueue = "webhook_endpoints"
	EndpointKind  = "webhook_endpoint_delivery"
)

// AllStates makes a job's unique args unique for as long as the job row
// exists, whatever its state, so enqueueing an id twice never delivers it
// twice.
var AllStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStateCancelled, rivertype.JobStateCompleted,
	rivertype.JobStateDiscarded, rivertype.JobStatePending, rivertype.JobStateRetryable,
	rivertype.JobStateRunning, rivertype.JobStateScheduled,
}

// OutcomeAborted marks an attempt cut short because the worker was
// stopping; it is not the endpoint's fault and does not count.
const OutcomeAborted = "aborted"

// MaxSnippet bounds the response kept per attempt in the outbox's log.
const MaxSnippet = 512

// EndpointArgs is one delivery of a published message to one endpoint. The
// payload stays in webhook_message, once, however many endpoints receive
// it. The pair (endpoint, message) is unique in every job state, so a
// message is never queued twice for one endpoint.
type EndpointArgs struct {
	EndpointID string `json:"endpoint_id" river:"unique"`
	MessageID  string `json:"message_id" river:"unique"`
	AppID      string `json:"app_id"`
}

// Kind returns EndpointKind.
func (EndpointArgs) Kind() string { return EndpointKind }

// InsertOpts puts the job in EndpointQueue, unique in every state.
func (EndpointArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: EndpointQueue, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: AllStates}}
}

// Handler works the jobs of one kind for the component attached to a
// Runtime.
type Handler[A river.JobArgs] interface {
	// NextRetry returns when a failed job runs again; zero for the
	// client's policy.
	NextRetry(job *river.Job[A]) time.Time
	// Timeout bounds a run; 0 for the client's JobTimeout.
	Timeout(job *river.Job[A]) time.Duration
	// Work runs the job once.
	Work(ctx context.Context, job *river.Job[A]) error
}

// Worker declares a job kind on a River client, whether or not this
// process works it, so that whichever process leads can rescue a crashed
// worker's jobs of any kind instead of discarding them as unknown. It
// runs the jobs with what Attached returns, or snoozes them when that is
// nil (never fetched: the queue is not worked here).
type Worker[A river.JobArgs] struct {
	river.WorkerDefaults[A]
	Attached func() Handler[A]
}

// NextRetry asks the attached handler.
func (w *Worker[A]) NextRetry(job *river.Job[A]) time.Time {
	if h := w.Attached(); h != nil {
		return h.NextRetry(job)
	}
	return time.Time{} // the client's policy
}

// Timeout asks the attached handler.
func (w *Worker[A]) Timeout(job *river.Job[A]) time.Duration {
	if h := w.Attached(); h != nil {
		return h.Timeout(job)
	}
	return 0 // the client's JobTimeout
}

// Work runs the job with the attached handler.
func (w *Worker[A]) Work(ctx context.Context, job *river.Job[A]) error {
	h := w.Attached()
	if h == nil {
		return river.JobSnooze(0) // never fetched: the queue is not worked here
	}
	return h.Work(ctx, job)
}

// CleanText makes s storable in any text column: valid UTF-8, no NUL.
func CleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

// EnvelopeSize returns the length of the body a Sender builds around data
// of length n, {"id":id,"event":typ,"data":...}, so that a payload limit
// bounds what the receiver reads: a receiver that takes as much as the
// provider allows (1 MiB on both sides by default) must not refuse a body
// for the few bytes the envelope adds. "event" is the longer of the two
// field names ("type" for Standard Webhooks).
func EnvelopeSize(id, typ string, n int) int {
	return len(`{"id":,"event":,"data":}`) + jsonStringLen(id) + jsonStringLen(typ) + n
}

// jsonStringLen returns the length of s encoded as a JSON string by
// encoding/json, as the Sender encodes the envelope's id and type.
func jsonStringLen(s string) int {
	b, _ := json.Marshal(s) // a string always marshals
	return len(b)
}
