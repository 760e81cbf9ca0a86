package webhookotel

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.39.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/signedhooks/webhook"
)

// NewSender is [webhook.NewSender] with telemetry: every attempt gets a
// client span whose context is sent in the traceparent header (so the
// consumer's span is its child), and is counted and timed by class (see
// the package documentation for the names). It sets opts' WrapTransport
// and OnAttempt, keeping and calling the ones already there: the tracing
// transport is the outer one, and the network guard of
// BlockPrivateNetworks stays in force below it. opts is not modified. o may
// be nil.
//
// Attempts made with [webhook.Sender.Send] get their span ended in
// OnAttempt, with the retry decision on it; attempts made with
// [webhook.Sender.Attempt], which reports to no hook, get theirs ended
// when the response body is closed, without it, and are not counted in the
// metrics unless the caller passes their reports to
// [SenderTelemetry.OnAttempt].
//
// An attempt's span is a child of the span in the context given to Send,
// such as the caller's request or job span: call Send within one to have
// all of a message's attempts in one trace (without one, each attempt
// starts a trace of its own).
//
// The errors are those of webhook.NewSender.
func NewSender(opts *webhook.SenderOptions, o *Options) (*webhook.Sender, error) {
	if opts == nil {
		return webhook.NewSender(nil)
	}
	so := *opts
	NewSenderTelemetry(o).Instrument(&so)
	return webhook.NewSender(&so)
}

// SenderTelemetry is the instrumentation [NewSender] installs, for callers
// that build their [webhook.SenderOptions] in several places or that make
// attempts with [webhook.Sender.Attempt] and want them counted. It is safe
// for concurrent use; one SenderTelemetry may serve several Senders.
type SenderTelemetry struct {
	tracer     trace.Tracer
	propagator propagation.TextMapPropagator
	attempts   metric.Int64Counter
	duration   metric.Float64Histogram

	idle func() bool // reports that spans would record nothing (nil: never)

	mu   sync.Mutex
	open map[attemptKey]trace.Span // spans of Send's attempts, ended by OnAttempt

	// byClass holds the metric options of each class and status, made
	// when first needed so that recording allocates nothing after.
	byClass [(maxClass + 1) * statusSlots]atomic.Pointer[classAttrs]
}

// maxClass is the largest [webhook.Class] this package knows; statusSlots
// covers the statuses 0 (no response) and 100 to 599.
const (
	maxClass    = webhook.ClassGone
	statusSlots = 600
)

// classAttrs are a class's and status's attribute and metric options.
type classAttrs struct {
	class  attribute.KeyValue
	add    []metric.AddOption
	record []metric.RecordOption // the duration has the class only
}

// classAttrs returns the options for a class and status.
func (t *SenderTelemetry) classAttrs(c webhook.Class, status int) *classAttrs {
	if c < 0 || c > maxClass {
		c = 0
	}
	if status < 100 || status >= statusSlots {
		status = 0
	}
	slot := &t.byClass[int(c)*statusSlots+status]
	if ca := slot.Load(); ca != nil {
		return ca
	}
	class := keyClass.String(c.String())
	ca := &classAttrs{class: class, record: []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(class))}}
	if status != 0 {
		ca.add = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(class, semconv.HTTPResponseStatusCode(status)))}
	} else {
		ca.add = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(class))}
	}
	slot.Store(ca)
	return ca
}

// attemptKey identifies an attempt between its request and its report.
type attemptKey struct {
	id, url string
	n       int
}

// NewSenderTelemetry returns the instrumentation of a Sender. o may be nil.
func NewSenderTelemetry(o *Options) *SenderTelemetry {
	c := o.withDefaults()
	t := &SenderTelemetry{
		tracer:     c.TracerProvider.Tracer(scope),
		propagator: c.Propagator,
		open:       make(map[attemptKey]trace.Span),
		idle:       idleTracing(c.TracerProvider, o == nil || o.TracerProvider == nil),
	}
	meter := c.MeterProvider.Meter(scope)
	// As in Middleware: an instrument that cannot be made is a working
	// no-op, and the error is the SDK's to report.
	t.attempts, _ = meter.Int64Counter("webhook.sender.attempts",
		metric.WithUnit("{attempt}"),
		metric.WithDescription("Webhook delivery attempts, by class and response status."))
	t.duration, _ = meter.Float64Histogram("webhook.sender.attempt.duration",
		metric.WithUnit("s"), metric.WithExplicitBucketBoundaries(durationBuckets...),
		metric.WithDescription("Latency of webhook delivery attempts, until the response body was read."))
	return t
}

// Instrument sets opts.WrapTransport and opts.OnAttempt to this
// telemetry's, chained with those already set.
func (t *SenderTelemetry) Instrument(opts *webhook.SenderOptions) {
	wrap, onAttempt := opts.WrapTransport, opts.OnAttempt
	opts.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		if wrap != nil {
			rt = wrap(rt)
		}
		return t.WrapTransport(rt)
	}
	opts.OnAttempt = func(a webhook.AttemptReport) {
		t.OnAttempt(a)
		if onAttempt != nil {
			onAttempt(a)
		}
	}
}

// WrapTransport returns rt with a client span around every request a
// [webhook.Sender] makes, and the span's context in the request's headers.
// Requests that are not a Sender's attempts pass through untraced. Use it
// together with [SenderTelemetry.OnAttempt] as the same Sender's hook:
// the spans of [webhook.Sender.Send]'s attempts end there.
func (t *SenderTelemetry) WrapTransport(rt http.RoundTripper) http.RoundTripper {
	return &transport{t: t, next: rt}
}

// OnAttempt counts and times a, and ends the span of its request with the
// attempt's class and retry decision. Use it as
// [webhook.SenderOptions.OnAttempt] ([SenderTelemetry.Instrument] does).
func (t *SenderTelemetry) OnAttempt(a webhook.AttemptReport) {
	ca := t.classAttrs(a.Class, a.StatusCode)
	ctx := context.Background()
	t.attempts.Add(ctx, 1, ca.add...)
	t.duration.Record(ctx, a.Latency.Seconds(), ca.record...)
	class := ca.class

	k := attemptKey{a.MessageID, a.URL, a.Number}
	t.mu.Lock()
	span, ok := t.open[k]
	delete(t.open, k)
	t.mu.Unlock()
	if !ok {
		return // no request was made (signing failed), or no span recorded
	}
	attrs := make([]attribute.KeyValue, 0, 3)
	attrs = append(attrs, class, keyRetry.Bool(a.Retry))
	if a.Retry {
		attrs = append(attrs, keyRetryDelay.Float64(a.NextDelay.Seconds()))
	}
	span.SetAttributes(attrs...)
	if a.Class != webhook.ClassDelivered {
		span.SetStatus(codes.Error, a.Class.String())
	}
	span.End()
}

// transport is the tracing RoundTripper.
type transport struct {
	t    *SenderTelemetry
	next http.RoundTripper
}

func (rt *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	info, ok := webhook.AttemptFromContext(r.Context())
	if !ok || rt.t.idle != nil && rt.t.idle() && !trace.SpanContextFromContext(r.Context()).IsValid() {
		// Not an attempt, or a tracer that records nothing and no trace
		// to carry on.
		return rt.next.RoundTrip(r)
	}
	t := rt.t
	// The attributes are set after the start, so that a tracer that
	// records nothing costs nothing more.
	ctx, span := t.tracer.Start(r.Context(), r.Method, clientKind...)
	if !span.SpanContext().IsValid() {
		// A no-op tracer and no trace to continue: nothing to send.
		return rt.next.RoundTrip(r)
	}
	if span.IsRecording() {
		span.SetAttributes(attemptAttrs(r, info)...)
	}
	// A RoundTripper must not change the request it is given: send a copy
	// with the trace headers.
	r = r.Clone(ctx)
	t.propagator.Inject(ctx, headerCarrier(r.Header))

	k := attemptKey{info.MessageID, info.URL, info.Number}
	if info.Reported {
		t.mu.Lock()
		if old, dup := t.open[k]; dup {
			// The same message to the same URL in two concurrent Sends:
			// the reports cannot be told apart, so close the older span.
			old.End()
		}
		t.open[k] = span
		t.mu.Unlock()
	}
	resp, err := rt.next.RoundTrip(r)
	switch {
	case err != nil:
		span.SetAttributes(semconv.ErrorTypeKey.String(errorType(err)))
		if !info.Reported {
			span.SetAttributes(keyClass.String(webhook.Classify(0, err).String()))
			span.SetStatus(codes.Error, "transport error")
			span.End()
		}
	default:
		span.SetAttributes(semconv.HTTPResponseStatusCode(resp.StatusCode))
		if resp.StatusCode >= 400 {
			span.SetAttributes(semconv.ErrorTypeKey.String(strconv.Itoa(resp.StatusCode)))
		}
		if !info.Reported {
			class := webhook.Classify(resp.StatusCode, nil)
			span.SetAttributes(keyClass.String(class.String()))
			if class != webhook.ClassDelivered {
				span.SetStatus(codes.Error, class.String())
			}
			resp.Body = &endOnClose{ReadCloser: resp.Body, span: span}
		}
	}
	return resp, err
}

// clientKind is the option of every attempt's span.
var clientKind = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient)}

// attemptAttrs returns the attributes of the span of r, info's request.
// The URL's path is left out with the rest of url.full: endpoints such as
// chat incoming-webhook URLs carry their credential in the path.
func attemptAttrs(r *http.Request, info webhook.AttemptInfo) []attribute.KeyValue {
	attrs := make([]attribute.KeyValue, 0, 8)
	attrs = append(attrs, method(r.Method), semconv.URLScheme(r.URL.Scheme),
		keyMessageID.String(info.MessageID), keyEventType.String(info.Type), keyAttempt.Int(info.Number))
	if host := r.URL.Hostname(); host != "" {
		attrs = append(attrs, semconv.ServerAddress(host))
	}
	port, err := strconv.Atoi(r.URL.Port())
	switch {
	case err == nil:
	case r.URL.Scheme == "https":
		port = 443
	default:
		port = 80
	}
	return append(attrs, semconv.ServerPort(port))
}

// CloseIdleConnections closes the idle connections of the wrapped
// transport, so that [webhook.Sender.CloseIdleConnections] still works.
func (rt *transport) CloseIdleConnections() {
	if c, ok := rt.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// endOnClose ends a span when the response body is closed.
type endOnClose struct {
	io.ReadCloser
	once sync.Once
	span trace.Span
}

func (b *endOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(func() { b.span.End() })
	return err
}

// errorType names a transport error for error.type without its text,
// which holds addresses: "blocked_address", "timeout", or "_OTHER".
func errorType(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, webhook.ErrBlockedAddress):
		return "blocked_address"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	return "_OTHER"
}
