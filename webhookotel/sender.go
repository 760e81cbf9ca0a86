package webhookotel

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"

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
// metrics (the caller has the report: pass it to OnAttempt's replacement,
// [SenderTelemetry.OnAttempt], to count it).
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

	mu   sync.Mutex
	open map[attemptKey]trace.Span // spans of Send's attempts, ended by OnAttempt
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
	}
	meter := c.MeterProvider.Meter(scope)
	// As in Middleware: an instrument that cannot be made is a working
	// no-op, and the error is the SDK's to report.
	t.attempts, _ = meter.Int64Counter("webhook.sender.attempts",
		metric.WithUnit("{attempt}"),
		metric.WithDescription("Webhook delivery attempts, by class and response status."))
	t.duration, _ = meter.Float64Histogram("webhook.sender.attempt.duration",
		metric.WithUnit("s"),
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
// Requests that are not a Sender's attempts pass through untraced.
func (t *SenderTelemetry) WrapTransport(rt http.RoundTripper) http.RoundTripper {
	return &transport{t: t, next: rt}
}

// OnAttempt counts and times a, and ends the span of its request with the
// attempt's class and retry decision. Use it as
// [webhook.SenderOptions.OnAttempt] ([SenderTelemetry.Instrument] does).
func (t *SenderTelemetry) OnAttempt(a webhook.AttemptReport) {
	class := keyClass.String(a.Class.String())
	ctx := context.Background()
	if a.StatusCode != 0 {
		t.attempts.Add(ctx, 1, metric.WithAttributes(class, semconv.HTTPResponseStatusCode(a.StatusCode)))
	} else {
		t.attempts.Add(ctx, 1, metric.WithAttributes(class))
	}
	t.duration.Record(ctx, a.Latency.Seconds(), metric.WithAttributes(class))

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
	if !ok {
		return rt.next.RoundTrip(r)
	}
	t := rt.t
	attrs := make([]attribute.KeyValue, 0, 8)
	attrs = append(attrs, method(r.Method), semconv.URLFull(info.URL),
		keyMessageID.String(info.MessageID), keyEventType.String(info.Type), keyAttempt.Int(info.Number))
	host, port := r.URL.Hostname(), r.URL.Port()
	if host != "" {
		attrs = append(attrs, semconv.ServerAddress(host))
	}
	if p, err := strconv.Atoi(port); err == nil {
		attrs = append(attrs, semconv.ServerPort(p))
	} else if r.URL.Scheme == "https" {
		attrs = append(attrs, semconv.ServerPort(443))
	} else {
		attrs = append(attrs, semconv.ServerPort(80))
	}
	ctx, span := t.tracer.Start(r.Context(), r.Method, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	if !span.IsRecording() && !span.SpanContext().IsValid() {
		// A no-op provider: nothing to send, nothing to end.
		return rt.next.RoundTrip(r)
	}
	// A RoundTripper must not change the request it is given: send a copy
	// with the trace headers.
	r = r.Clone(ctx)
	t.propagator.Inject(ctx, propagation.HeaderCarrier(r.Header))

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
