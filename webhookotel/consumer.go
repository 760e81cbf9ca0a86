package webhookotel

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.39.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/signedhooks/webhook"
)

// Middleware is [webhook.Middleware] with telemetry: each request gets a
// server span, continuing the trace of the request's traceparent, and is
// counted and timed by outcome and scheme (see the package documentation
// for the names). The span is in the request's context, so the handler's
// own spans are its children. opts is used as by webhook.Middleware; its
// OnOutcome, if set, is still called. o may be nil.
//
// Middleware panics, as webhook.Middleware does, when auth is nil. The
// returned middleware is safe for concurrent use.
func Middleware(auth webhook.Authenticator, opts *webhook.MiddlewareOptions, o *Options) func(http.Handler) http.Handler {
	c := o.withDefaults()
	if c.Scheme == "" {
		c.Scheme = schemeOf(auth)
	}
	t := &consumer{
		tracer:     c.TracerProvider.Tracer(scope),
		propagator: c.Propagator,
		scheme:     attribute.String(string(keyScheme), c.Scheme),
		idle:       idleTracing(c.TracerProvider, o == nil || o.TracerProvider == nil),
	}
	t.postOpts = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(semconv.HTTPRequestMethodPost, t.scheme)}
	meter := c.MeterProvider.Meter(scope)
	// The API's instruments never fail to be made; an SDK that refuses one
	// returns a working no-op instrument with the error, which is
	// otel.Handle's business, not the middleware's.
	t.deliveries, _ = meter.Int64Counter("webhook.consumer.deliveries",
		metric.WithUnit("{delivery}"),
		metric.WithDescription("Webhook requests received, by outcome and scheme."))
	for k := range t.byKind {
		kind := attribute.String(string(keyOutcome), webhook.OutcomeKind(k).String())
		set := metric.WithAttributeSet(attribute.NewSet(kind, t.scheme))
		t.byKind[k] = outcomeAttrs{kind: kind, add: []metric.AddOption{set}, record: []metric.RecordOption{set}}
	}
	t.duration, _ = meter.Float64Histogram("webhook.consumer.duration",
		metric.WithUnit("s"), metric.WithExplicitBucketBoundaries(durationBuckets...),
		metric.WithDescription("Time the webhook middleware took per request, the handler included."))

	var mo webhook.MiddlewareOptions
	if opts != nil {
		mo = *opts
	}
	if noopTracing(c.TracerProvider) && noopMetrics(c.MeterProvider) {
		// Nothing would be recorded: leave the hook as it is, which
		// spares the middleware timing and reporting every request.
		inner := webhook.Middleware(auth, &mo)
		return func(h http.Handler) http.Handler {
			return &traced{c: t, next: inner(h)}
		}
	}
	next := mo.OnOutcome
	mo.OnOutcome = func(ctx context.Context, out webhook.Outcome) {
		t.outcome(ctx, out)
		if next != nil {
			next(ctx, out)
		}
	}
	inner := webhook.Middleware(auth, &mo)
	return func(h http.Handler) http.Handler {
		return &traced{c: t, next: inner(h)}
	}
}

// consumer holds what every traced request shares.
type consumer struct {
	tracer     trace.Tracer
	propagator propagation.TextMapPropagator
	scheme     attribute.KeyValue
	postOpts   []trace.SpanStartOption // a POST without a route's span options
	idle       func() bool             // reports that spans would record nothing: start none (nil: never)
	deliveries metric.Int64Counter
	duration   metric.Float64Histogram
	byKind     [maxKind + 1]outcomeAttrs // index: webhook.OutcomeKind; 0 for unknown kinds
}

// maxKind is the largest [webhook.OutcomeKind] this package knows.
const maxKind = webhook.OutcomeUnprocessable

// outcomeAttrs are an outcome kind's attribute and metric options, made
// once so that recording allocates nothing.
type outcomeAttrs struct {
	kind   attribute.KeyValue
	add    []metric.AddOption
	record []metric.RecordOption
}

// traced starts the server span around the webhook middleware.
type traced struct {
	c    *consumer
	next http.Handler
}

func (h *traced) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := h.c.propagator.Extract(r.Context(), headerCarrier(r.Header))
	if h.c.idle != nil && h.c.idle() {
		// A span that records nothing would only carry the sender's trace
		// context, which ctx holds already: hand that on, for the
		// handler's own spans.
		if trace.SpanContextFromContext(ctx).IsValid() {
			r = r.WithContext(ctx)
		}
		h.next.ServeHTTP(w, r)
		return
	}
	var span trace.Span
	if r.Method == http.MethodPost && r.Pattern == "" {
		ctx, span = h.c.tracer.Start(ctx, http.MethodPost, h.c.postOpts...)
	} else {
		ctx, span = h.c.start(ctx, r)
	}
	defer span.End()
	if !span.IsRecording() && !span.SpanContext().IsValid() && !trace.SpanContextFromContext(r.Context()).IsValid() {
		// Nothing to carry: a no-op tracer and no trace to continue.
		// Keep the request as it is, which saves copying it.
		h.next.ServeHTTP(w, r)
		return
	}
	h.next.ServeHTTP(w, r.WithContext(ctx))
}

// start starts the span of a request that is not a plain POST.
func (c *consumer) start(ctx context.Context, r *http.Request) (context.Context, trace.Span) {
	m := method(r.Method)
	name := m.Value.AsString()
	if name == "_OTHER" {
		name = "HTTP"
	}
	attrs := make([]attribute.KeyValue, 0, 3)
	attrs = append(attrs, m, c.scheme)
	if route := routeOf(r.Pattern); route != "" {
		name += " " + route
		attrs = append(attrs, semconv.HTTPRoute(route))
	}
	return c.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
}

// outcome records one request's outcome on its span and in the metrics.
func (c *consumer) outcome(ctx context.Context, o webhook.Outcome) {
	k := o.Kind
	if k < 0 || k > maxKind {
		k = 0
	}
	oa := &c.byKind[k]
	c.deliveries.Add(ctx, 1, oa.add...)
	c.duration.Record(ctx, o.Latency.Seconds(), oa.record...)
	kind := oa.kind

	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	attrs := make([]attribute.KeyValue, 0, 8)
	attrs = append(attrs, kind, keyMessageID.String(o.ID), keyEventType.String(o.Type))
	if o.Status != 0 {
		attrs = append(attrs, semconv.HTTPResponseStatusCode(o.Status))
	}
	if o.FingerprintMismatch {
		attrs = append(attrs, keyFingerprintMismatch.Bool(true))
	}
	switch o.Kind {
	case webhook.OutcomeRejected:
		reason := rejection(o.Err)
		attrs = append(attrs, keyRejection.String(reason), semconv.ErrorTypeKey.String(reason))
	case webhook.OutcomeFailed, webhook.OutcomePanicked, webhook.OutcomeStoreError:
		// A server span is an error when the server failed (5xx, or the
		// handler's own failure status); the text of the error stays out:
		// it is the handler's or the store's and may say anything.
		attrs = append(attrs, semconv.ErrorTypeKey.String(o.Kind.String()))
		span.SetStatus(codes.Error, o.Kind.String())
	}
	span.SetAttributes(attrs...)
}

// rejection names why a request was rejected, from the sentinel its error
// matches.
func rejection(err error) string {
	for _, r := range []struct {
		err  error
		name string
	}{
		{webhook.ErrBodyTooLarge, "body_too_large"},
		{webhook.ErrMissingSignature, "missing_signature"},
		{webhook.ErrInvalidHeader, "invalid_header"},
		{webhook.ErrNoMatchingSignature, "no_matching_signature"},
		{webhook.ErrTimestampTooOld, "timestamp_too_old"},
		{webhook.ErrTimestampTooNew, "timestamp_too_new"},
	} {
		if errors.Is(err, r.err) {
			return r.name
		}
	}
	return "other"
}

// method returns http.request.method for m: one of the methods HTTP
// defines, or "_OTHER", so that a caller cannot make up values.
func method(m string) attribute.KeyValue {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return semconv.HTTPRequestMethodKey.String(m)
	}
	return semconv.HTTPRequestMethodKey.String("_OTHER")
}

// routeOf returns the path part of a ServeMux pattern such as
// "POST example.com/hooks/{id}": "/hooks/{id}", or "" for no pattern.
func routeOf(pattern string) string {
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		pattern = strings.TrimLeft(pattern[i+1:], " \t")
	}
	if i := strings.IndexByte(pattern, '/'); i >= 0 {
		return pattern[i:]
	}
	return ""
}

// schemeOf names auth's scheme after its type's package.
func schemeOf(auth webhook.Authenticator) string {
	t := reflect.TypeOf(auth)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.PkgPath() == "" {
		return "unknown"
	}
	p := t.PkgPath()
	return p[strings.LastIndexByte(p, '/')+1:]
}
