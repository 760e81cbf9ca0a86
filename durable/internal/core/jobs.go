package core

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	webhook "github.com/signedhooks/webhook"
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

// DeliveryArgs is an outbox message as stored in River: a raw Payload, or
// Data (the message's Data, marshalled at enqueue) that the Sender puts in
// its envelope with Type. Both are byte slices (base64 in JSON) so that
// they are sent byte for byte: PostgreSQL's jsonb would reorder a JSON
// payload's keys. Jobs queued before Type and Data existed carry only a
// payload and are sent as before.
type DeliveryArgs struct {
	ID      string `json:"id" river:"unique"`
	URL     string `json:"url"`
	Type    string `json:"type,omitempty"`
	Data    []byte `json:"data,omitempty"`
	Payload []byte `json:"payload,omitempty"`
}

// Message returns the webhook.Message that a run of a job sends.
func (a *DeliveryArgs) Message() webhook.Message {
	m := webhook.Message{ID: a.ID, Type: a.Type}
	switch {
	case a.Data != nil:
		m.Data = json.RawMessage(a.Data)
	case a.Payload != nil:
		m.Payload = a.Payload
	default:
		m.Payload = []byte{} // an old job with an empty payload
	}
	return m
}

// Kind returns DeliveryKind.
func (DeliveryArgs) Kind() string { return DeliveryKind }

// InsertOpts puts the job in OutboxQueue, unique by id in every state.
func (DeliveryArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: OutboxQueue, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: AllStates}}
}

// EventArgs is an inbox event as stored in River; unique by id whatever its
// state, so a redelivered event is stored once.
type EventArgs struct {
	ID        string `json:"id" river:"unique"`
	Type      string `json:"type,omitempty"`
	Timestamp int64  `json:"ts,omitempty"`
	Payload   []byte `json:"payload"`
}

// NewEventArgs returns the job of ev, with a new id if it has none.
func NewEventArgs(ev webhook.Event) EventArgs {
	if ev.ID == "" {
		ev.ID = webhook.NewMessageID()
	}
	a := EventArgs{ID: ev.ID, Type: ev.Type, Payload: ev.Payload}
	if !ev.Timestamp.IsZero() {
		a.Timestamp = ev.Timestamp.Unix()
	}
	return a
}

// Event returns the event a job carries.
func (a *EventArgs) Event() webhook.Event {
	ev := webhook.Event{ID: a.ID, Type: a.Type, Payload: a.Payload}
	if a.Timestamp != 0 {
		ev.Timestamp = time.Unix(a.Timestamp, 0)
	}
	return ev
}

// Kind returns EventKind.
func (EventArgs) Kind() string { return EventKind }

// InsertOpts puts the job in InboxQueue, unique by id in every state.
func (EventArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: InboxQueue, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: AllStates}}
}

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

// Component is what a Runtime needs of a component attached to it (the
// outbox, the inbox, the endpoints), besides its worker.
type Component interface {
	// Queue returns how many jobs of the component this process runs at
	// once, and whether it only enqueues them.
	Queue() (maxWorkers int, enqueueOnly bool)
	// JobTimeout bounds one run of its jobs (0: the runtime's); the
	// runtime's rescuer waits longer.
	JobTimeout() time.Duration
	// Start is called when the runtime starts working its queue.
	Start()
	// Close is called when the runtime stopped, once every worker has
	// returned.
	Close()
}

// Attached is a component with the worker of its job kind.
type Attached[A river.JobArgs] interface {
	Component
	Handler[A]
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
// runs the jobs with Handler, or snoozes them without one (never fetched:
// the queue is not worked here).
type Worker[A river.JobArgs] struct {
	river.WorkerDefaults[A]
	Handler Handler[A]
}

// NewWorker returns the Worker of c, a component or nil.
func NewWorker[A river.JobArgs](c Attached[A]) *Worker[A] {
	if c == nil {
		return &Worker[A]{}
	}
	return &Worker[A]{Handler: c}
}

// NextRetry asks the handler.
func (w *Worker[A]) NextRetry(job *river.Job[A]) time.Time {
	if w.Handler != nil {
		return w.Handler.NextRetry(job)
	}
	return time.Time{} // the client's policy
}

// Timeout asks the handler.
func (w *Worker[A]) Timeout(job *river.Job[A]) time.Duration {
	if w.Handler != nil {
		return w.Handler.Timeout(job)
	}
	return 0 // the client's JobTimeout
}

// Work runs the job with the handler.
func (w *Worker[A]) Work(ctx context.Context, job *river.Job[A]) error {
	if w.Handler == nil {
		return river.JobSnooze(0) // never fetched: the queue is not worked here
	}
	return w.Handler.Work(ctx, job)
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
