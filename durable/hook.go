package durable

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/tidwall/gjson"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable/internal/core"
)

// The queues of this package, as [RunInfo], [AttemptInfo] and [QueueStats]
// name them.
const (
	QueueOutbox    = core.OutboxQueue   // the Outbox's deliveries
	QueueEndpoints = core.EndpointQueue // the Endpoints' deliveries, one job per message and endpoint
	QueueInbox     = core.InboxQueue    // the Inbox's events
)

// Hooks let a process watch its durable work and carry a trace from the
// enqueue of a message to every run of its job: they are how tracing and
// metrics plug in without this package depending on a telemetry library.
// Every field is optional; the zero value does nothing. The functions are
// called concurrently, from the enqueuing goroutine (Inject) or from the
// workers (the others), so they must be safe for concurrent use and quick.
//
// A process that only enqueues needs Inject, one that works needs the
// others: set the same Hooks on every process.
type Hooks struct {
	// Inject returns what continues ctx's trace in another process (for
	// example the W3C traceparent and tracestate), to be stored with
	// every job that one enqueue call inserts: Outbox.Enqueue and its
	// Many and Tx forms, endpoints.Service.Publish and PublishTx, Resend,
	// Inbox.Store and StoreTx. It is called once per such call, with its
	// context and the queue (QueueOutbox, QueueEndpoints, QueueInbox). At
	// most 8 entries are kept, of keys up to 64 bytes and values up to 512;
	// others are dropped. The entries come back in [RunInfo.Trace].
	Inject func(ctx context.Context, queue string) map[string]string

	// Run wraps every run of a job of this process's queues: it calls run
	// once, with ctx or a context derived from it (such as one holding a
	// span that continues info.Trace), and may look at run's error. The
	// workers' own calls (the delivery attempt, OnAttempt, the inbox's
	// handler) happen inside run, with its context. Run watches, it does
	// not decide: the job runs once however often Run calls run (not at
	// all: after Run returns; twice: the second call returns the first's
	// error), and the run's own error is what River acts on.
	Run func(ctx context.Context, info RunInfo, run func(context.Context) error)

	// OnAttempt is called after every delivery attempt of the Outbox and
	// the endpoints, once it is recorded in the attempt log.
	OnAttempt func(ctx context.Context, a AttemptInfo)

	// OnProcess is called after every run of the Inbox's handler.
	OnProcess func(ctx context.Context, p ProcessInfo)
}

// RunInfo describes one run of a job, for [Hooks.Run].
type RunInfo struct {
	// Queue is QueueOutbox, QueueEndpoints or QueueInbox.
	Queue string
	// JobID is the job's id.
	JobID int64
	// MessageID is the message's id (the event's, in the inbox).
	MessageID string
	// EndpointID and AppID name the endpoint and its application
	// (QueueEndpoints only).
	EndpointID, AppID string
	// Attempt counts the job's runs that counted as attempts, from 1.
	Attempt int
	// EnqueuedAt is when the job was stored.
	EnqueuedAt time.Time
	// Trace holds what [Hooks.Inject] returned when the job was stored,
	// or nil.
	Trace map[string]string
}

// AttemptInfo describes one delivery attempt, for [Hooks.OnAttempt]. It
// holds no payload, secret or response body.
type AttemptInfo struct {
	// Queue is QueueOutbox or QueueEndpoints.
	Queue string
	// JobID is the job's id.
	JobID int64
	// MessageID and EventType are the message's.
	MessageID, EventType string
	// EndpointID and AppID name the endpoint and its application; empty
	// for the Outbox.
	EndpointID, AppID string
	// Number is the attempt's number, from 1.
	Number int
	// StatusCode is the response's status, or 0 without a response.
	StatusCode int
	// Latency is the attempt's duration, until the response was read.
	Latency time.Duration
	// Class is how the attempt's result was judged.
	Class webhook.Class
	// Outcome is what the attempt log records: Class's name, or
	// "aborted" for an attempt cut short because the process was
	// stopping (it does not count against the endpoint).
	Outcome string
	// Err is the attempt's error, nil when delivered: the Sender's, which
	// carries the status and never the URL's secret parts or the body.
	Err error
}

// ProcessInfo describes one run of the Inbox's handler, for
// [Hooks.OnProcess].
type ProcessInfo struct {
	// JobID is the job's id.
	JobID int64
	// EventID and EventType are the event's.
	EventID, EventType string
	// Attempt is the run's number, from 1 (see [AttemptFromContext]).
	Attempt int
	// Latency is the handler's duration.
	Latency time.Duration
	// Outcome is "processed", "retry" (the handler failed and the event
	// runs again unless its attempts are spent), "unprocessable" (the
	// handler's error matched [webhook.ErrUnprocessable]; kept, not
	// retried) or "aborted" (the process was stopping).
	Outcome string
	// Err is the handler's error, nil when processed.
	Err error
}

// metaTrace is the job metadata key of what Hooks.Inject returned.
const metaTrace = "webhook_trace"

// Bounds of what Inject may store per job.
const (
	maxTraceEntries  = 8
	maxTraceKeyLen   = 64
	maxTraceValueLen = 512
)

// withTrace returns opts with the trace of ctx in its metadata, for the
// inserts that do not pass through River's insert middleware with the
// caller's context (the insert batcher's).
func (h *Hooks) withTrace(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) *river.InsertOpts {
	if h.Inject == nil {
		return opts
	}
	queue := opts.Queue
	if a, ok := args.(river.JobArgsWithInsertOpts); ok && queue == "" {
		queue = a.InsertOpts().Queue
	}
	c := *opts
	c.Metadata = traceMetadata(c.Metadata, h.Inject(ctx, queue))
	return &c
}

// traceMetadata returns metadata (a JSON object, or empty) with trace set
// under metaTrace, within the bounds. An empty trace is stored too, as {},
// so that the insert middleware knows this job's trace was taken.
func traceMetadata(metadata []byte, trace map[string]string) []byte {
	m := map[string]json.RawMessage{}
	if len(metadata) > 0 {
		_ = json.Unmarshal(metadata, &m) // River's and ours: an object
	}
	kept := make(map[string]string, min(len(trace), maxTraceEntries))
	for k, v := range trace {
		if len(kept) == maxTraceEntries {
			break
		}
		if k != "" && len(k) <= maxTraceKeyLen && len(v) <= maxTraceValueLen {
			kept[k] = v
		}
	}
	m[metaTrace], _ = json.Marshal(kept) // strings always marshal
	out, _ := json.Marshal(m)
	return out
}

// traceOf reads the trace stored in a job's metadata, within the bounds.
func traceOf(metadata []byte) map[string]string {
	rec := gjson.GetBytes(metadata, metaTrace)
	if !rec.IsObject() {
		return nil
	}
	var out map[string]string
	rec.ForEach(func(k, v gjson.Result) bool {
		if len(out) == maxTraceEntries {
			return false
		}
		if k.Str != "" && len(k.Str) <= maxTraceKeyLen && v.Type == gjson.String && len(v.Str) <= maxTraceValueLen {
			if out == nil {
				out = make(map[string]string)
			}
			out[k.Str] = v.Str
		}
		return true
	})
	return out
}

// middleware returns River's middleware for h, or nil.
func (h *Hooks) middleware() []rivertype.Middleware {
	if h.Inject == nil && h.Run == nil && h.OnProcess == nil {
		return nil
	}
	return []rivertype.Middleware{&hooksMiddleware{hooks: *h}}
}

// hooksMiddleware calls the runtime's Hooks around River's inserts and job
// runs.
type hooksMiddleware struct {
	river.MiddlewareDefaults
	hooks Hooks
}

// InsertMany stores the trace of ctx with the jobs that do not have one
// yet: once per queue of the call.
func (m *hooksMiddleware) InsertMany(ctx context.Context, params []*rivertype.JobInsertParams,
	doInner func(context.Context) ([]*rivertype.JobInsertResult, error)) ([]*rivertype.JobInsertResult, error) {
	if m.hooks.Inject != nil {
		traces := map[string]map[string]string{}
		for _, p := range params {
			if gjson.GetBytes(p.Metadata, metaTrace).Exists() {
				continue
			}
			t, ok := traces[p.Queue]
			if !ok {
				t = m.hooks.Inject(ctx, p.Queue)
				traces[p.Queue] = t
			}
			p.Metadata = traceMetadata(p.Metadata, t)
		}
	}
	return doInner(ctx)
}

// Work calls Hooks.Run around a job's run, and Hooks.OnProcess after an
// inbox event's.
func (m *hooksMiddleware) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	info := RunInfo{Queue: job.Queue, JobID: job.ID, Attempt: job.Attempt, EnqueuedAt: job.CreatedAt}
	args := gjson.ParseBytes(job.EncodedArgs)
	switch job.Kind {
	case core.EndpointKind:
		info.MessageID = args.Get("message_id").Str
		info.EndpointID, info.AppID = args.Get("endpoint_id").Str, args.Get("app_id").Str
	default:
		info.MessageID = args.Get("id").Str
	}
	work := doInner
	if m.hooks.OnProcess != nil && job.Kind == core.EventKind {
		work = func(ctx context.Context) error {
			start := time.Now()
			err := doInner(ctx)
			m.hooks.OnProcess(ctx, ProcessInfo{JobID: job.ID, EventID: info.MessageID, EventType: args.Get("type").Str,
				Attempt: job.Attempt, Latency: time.Since(start), Outcome: processOutcome(ctx, err), Err: handlerError(err)})
			return err
		}
	}
	if m.hooks.Run == nil {
		return work(ctx)
	}
	info.Trace = traceOf(job.Metadata)
	var (
		called bool
		err    error
	)
	m.hooks.Run(ctx, info, func(ctx context.Context) error {
		if !called {
			called = true
			err = work(ctx)
		}
		return err
	})
	if !called { // a broken hook must not lose the run
		err = work(ctx)
	}
	return err
}

// processOutcome names the outcome of an inbox run that returned err.
func processOutcome(ctx context.Context, err error) string {
	switch {
	case err == nil:
		return "processed"
	case errors.Is(err, webhook.ErrUnprocessable):
		return "unprocessable"
	case errors.Is(ctx.Err(), context.Canceled):
		return string(core.OutcomeAborted)
	}
	return "retry"
}

// handlerError returns the handler's error inside River's cancel wrapper.
func handlerError(err error) error {
	var c *rivertype.JobCancelError
	if errors.As(err, &c) {
		return c.Unwrap()
	}
	return err
}

// attempted calls Hooks.OnAttempt, if set.
func (h *Hooks) attempted(ctx context.Context, a AttemptInfo) {
	if h.OnAttempt != nil {
		h.OnAttempt(ctx, a)
	}
}
