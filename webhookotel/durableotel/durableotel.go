package durableotel

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.39.0"
	"go.opentelemetry.io/otel/trace"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
	"github.com/signedhooks/webhook/webhookotel"
)

// scope is the instrumentation scope of the tracer and meter.
const scope = "github.com/signedhooks/webhook/webhookotel/durableotel"

// The attribute keys of the webhook.* namespace this package adds; see
// the package documentation.
const (
	keyMessageID   = attribute.Key("webhook.message.id")
	keyEndpointID  = attribute.Key("webhook.endpoint.id")
	keyAppID       = attribute.Key("webhook.application.id")
	keyAttempt     = attribute.Key("webhook.attempt")
	keyClass       = attribute.Key("webhook.attempt.class")
	keyOutcome     = attribute.Key("webhook.outcome")
	keyJobState    = attribute.Key("webhook.job.state")
	systemRiver    = "river"
	eventDisabled  = "webhook.endpoint.disabled"
	eventBreaker   = "webhook.endpoint.breaker"
	keyReason      = attribute.Key("webhook.endpoint.disabled_reason")
	keyBreaker     = attribute.Key("webhook.breaker.state")
	operationSend  = "send"
	operationProcs = "process"
)

// durationBuckets are the histograms' boundaries in seconds, as
// webhookotel's.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// Telemetry is the instrumentation of one process's durable work: build
// it with [New] and apply it to the options of the Runtime, the Outbox's
// Sender and the Endpoints before building them. It is safe for
// concurrent use.
type Telemetry struct {
	tracer     trace.Tracer
	propagator propagation.TextMapPropagator
	meter      metric.Meter
	sender     *webhookotel.SenderTelemetry

	attempts        metric.Int64Counter
	breaker         metric.Int64Counter
	attemptDuration metric.Float64Histogram
	runs            metric.Int64Counter
	runDuration     metric.Float64Histogram
	disabled        metric.Int64Counter

	// sets holds the metric options per attribute combination, made once.
	sets sync.Map // string → metric.MeasurementOption
}

// New returns the instrumentation of a process's durable work, with o's
// providers and propagator (o.Scheme is not used). o may be nil: the
// global providers and the W3C trace context, as in webhookotel.
func New(o *webhookotel.Options) *Telemetry {
	var c webhookotel.Options
	if o != nil {
		c = *o
	}
	if c.TracerProvider == nil {
		c.TracerProvider = otel.GetTracerProvider()
	}
	if c.MeterProvider == nil {
		c.MeterProvider = otel.GetMeterProvider()
	}
	if c.Propagator == nil {
		c.Propagator = propagation.TraceContext{}
	}
	t := &Telemetry{
		tracer:     c.TracerProvider.Tracer(scope),
		propagator: c.Propagator,
		meter:      c.MeterProvider.Meter(scope),
		sender:     webhookotel.NewSenderTelemetry(&c),
	}
	// As in webhookotel: an instrument the SDK refuses is a working no-op,
	// and the error is the SDK's to report.
	t.attempts, _ = t.meter.Int64Counter("webhook.durable.attempts", metric.WithUnit("{attempt}"),
		metric.WithDescription("Durable webhook delivery attempts, by queue, class and response status."))
	t.attemptDuration, _ = t.meter.Float64Histogram("webhook.durable.attempt.duration", metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(durationBuckets...),
		metric.WithDescription("Latency of durable webhook delivery attempts, until the response was read."))
	t.runs, _ = t.meter.Int64Counter("webhook.inbox.runs", metric.WithUnit("{run}"),
		metric.WithDescription("Runs of the inbox's handler, by outcome."))
	t.runDuration, _ = t.meter.Float64Histogram("webhook.inbox.run.duration", metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(durationBuckets...),
		metric.WithDescription("Latency of the inbox's handler, by outcome."))
	t.disabled, _ = t.meter.Int64Counter("webhook.endpoint.disabled", metric.WithUnit("{endpoint}"),
		metric.WithDescription("Endpoints disabled by their deliveries, by reason: failing, or gone (410)."))
	t.breaker, _ = t.meter.Int64Counter("webhook.endpoint.breaker", metric.WithUnit("{transition}"),
		metric.WithDescription("Changes of endpoints' circuit breakers, by the state entered."))
	return t
}

// Instrument sets opts.Hooks to this telemetry's, chained with those
// already set: the existing Inject's entries are stored too, the existing
// Run runs inside this one's span, and the existing OnAttempt and
// OnProcess are called after this one's.
func (t *Telemetry) Instrument(opts *durable.RuntimeOptions) {
	prev := opts.Hooks
	h := t.Hooks()
	if prev.Inject != nil {
		mine := h.Inject
		h.Inject = func(ctx context.Context, queue string) map[string]string {
			m := mine(ctx, queue)
			for k, v := range prev.Inject(ctx, queue) {
				if m == nil {
					m = map[string]string{}
				}
				if _, taken := m[k]; !taken {
					m[k] = v
				}
			}
			return m
		}
	}
	if prev.Run != nil {
		mine := h.Run
		h.Run = func(ctx context.Context, info durable.RunInfo, run func(context.Context) error) {
			mine(ctx, info, func(ctx context.Context) error {
				var err error
				prev.Run(ctx, info, func(ctx context.Context) error {
					err = run(ctx)
					return err
				})
				return err
			})
		}
	}
	if prev.OnAttempt != nil {
		mine := h.OnAttempt
		h.OnAttempt = func(ctx context.Context, a durable.AttemptInfo) {
			mine(ctx, a)
			prev.OnAttempt(ctx, a)
		}
	}
	if prev.OnProcess != nil {
		mine := h.OnProcess
		h.OnProcess = func(ctx context.Context, p durable.ProcessInfo) {
			mine(ctx, p)
			prev.OnProcess(ctx, p)
		}
	}
	opts.Hooks = h
}

// Hooks returns this telemetry's hooks, for callers who set
// [durable.RuntimeOptions.Hooks] themselves; [Telemetry.Instrument] is
// the usual way.
func (t *Telemetry) Hooks() durable.Hooks {
	return durable.Hooks{Inject: t.inject, Run: t.run, OnAttempt: t.onAttempt, OnProcess: t.onProcess}
}

// InstrumentSender instruments the options of an Outbox's Sender, as
// [webhookotel.SenderTelemetry.Instrument] does: each attempt gets a
// client span, a child of its run's span, whose context is sent in the
// traceparent header. Attempts are counted by the Runtime's hooks, as
// webhook.durable.attempts.
func (t *Telemetry) InstrumentSender(opts *webhook.SenderOptions) { t.sender.Instrument(opts) }

// InstrumentEndpoints instruments the options of Endpoints: the tracing
// transport of [Telemetry.InstrumentSender] on every endpoint's Sender
// (wrapping the WrapTransport already set); an OnDisable that counts the
// endpoints its deliveries disable, by reason, and marks the run's span;
// and an OnBreaker that counts breaker changes by the state entered and
// marks the run's span. The hooks already set are still called, after
// these.
func (t *Telemetry) InstrumentEndpoints(opts *endpoints.Options) {
	wrap, onDisable, onBreaker := opts.WrapTransport, opts.OnDisable, opts.OnBreaker
	opts.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		if wrap != nil {
			rt = wrap(rt)
		}
		return t.sender.WrapTransport(rt)
	}
	opts.OnDisable = func(ctx context.Context, e endpoints.Endpoint) {
		t.disabled.Add(ctx, 1, metric.WithAttributes(keyReason.String(e.DisabledReason)))
		trace.SpanFromContext(ctx).AddEvent(eventDisabled,
			trace.WithAttributes(keyEndpointID.String(e.ID), keyReason.String(e.DisabledReason)))
		if onDisable != nil {
			onDisable(ctx, e)
		}
	}
	opts.OnBreaker = func(ctx context.Context, e endpoints.Endpoint) {
		state := string(e.Breaker.State)
		t.breaker.Add(ctx, 1, metric.WithAttributes(keyBreaker.String(state)))
		trace.SpanFromContext(ctx).AddEvent(eventBreaker,
			trace.WithAttributes(keyEndpointID.String(e.ID), keyBreaker.String(state)))
		if onBreaker != nil {
			onBreaker(ctx, e)
		}
	}
}

// inject starts and ends the producer span of an enqueue and returns its
// context for the jobs.
func (t *Telemetry) inject(ctx context.Context, queue string) map[string]string {
	ctx, span := t.tracer.Start(ctx, operationSend+" "+queue, trace.WithSpanKind(trace.SpanKindProducer))
	defer span.End()
	if !span.SpanContext().IsValid() {
		return nil // a no-op tracer and no trace to continue
	}
	if span.IsRecording() {
		span.SetAttributes(semconv.MessagingSystemKey.String(systemRiver), semconv.MessagingDestinationName(queue),
			semconv.MessagingOperationTypeSend, semconv.MessagingOperationName(operationSend))
	}
	m := propagation.MapCarrier{}
	t.propagator.Inject(ctx, m)
	return m
}

// run wraps a job's run in its consumer span, continuing the enqueue's.
func (t *Telemetry) run(ctx context.Context, info durable.RunInfo, run func(context.Context) error) {
	if len(info.Trace) > 0 {
		ctx = t.propagator.Extract(ctx, propagation.MapCarrier(info.Trace))
	}
	ctx, span := t.tracer.Start(ctx, operationProcs+" "+info.Queue, trace.WithSpanKind(trace.SpanKindConsumer))
	defer span.End()
	if span.IsRecording() {
		attrs := make([]attribute.KeyValue, 0, 9)
		attrs = append(attrs, semconv.MessagingSystemKey.String(systemRiver), semconv.MessagingDestinationName(info.Queue),
			semconv.MessagingOperationTypeProcess, semconv.MessagingOperationName(operationProcs),
			semconv.MessagingMessageID(strconv.FormatInt(info.JobID, 10)), keyMessageID.String(info.MessageID),
			keyAttempt.Int(info.Attempt))
		if info.EndpointID != "" {
			attrs = append(attrs, keyEndpointID.String(info.EndpointID), keyAppID.String(info.AppID))
		}
		span.SetAttributes(attrs...)
	}
	if err := run(ctx); err != nil {
		// The error's text stays out: an inbox handler's may say anything.
		span.SetStatus(codes.Error, "run failed")
	}
}

// onAttempt counts and times a delivery attempt and puts its class on the
// run's span.
func (t *Telemetry) onAttempt(ctx context.Context, a durable.AttemptInfo) {
	t.attempts.Add(ctx, 1, t.set(a.Queue, a.Outcome, a.StatusCode))
	t.attemptDuration.Record(ctx, a.Latency.Seconds(), t.set(a.Queue, "", 0))
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	span.SetAttributes(keyClass.String(a.Outcome))
	if a.Class != webhook.ClassDelivered {
		span.SetAttributes(semconv.ErrorTypeKey.String(a.Outcome))
	}
}

// onProcess counts and times an inbox run and puts its outcome on the
// run's span.
func (t *Telemetry) onProcess(ctx context.Context, p durable.ProcessInfo) {
	set := t.set("", p.Outcome, 0)
	t.runs.Add(ctx, 1, set)
	t.runDuration.Record(ctx, p.Latency.Seconds(), set)
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	span.SetAttributes(keyOutcome.String(p.Outcome))
	if p.Outcome != "processed" {
		span.SetAttributes(semconv.ErrorTypeKey.String(p.Outcome))
	}
}

// set returns the metric option of one attribute combination: a queue
// (or none: the inbox's runs) with a class or outcome and a status, made
// once per combination. Every value comes from a small set of this
// module's names, and the status from 100 to 599, so the sets are few.
func (t *Telemetry) set(queue, class string, status int) metric.MeasurementOption {
	if status < 100 || status > 599 {
		status = 0
	}
	k := queue + "\x00" + class + "\x00" + strconv.Itoa(status)
	if s, ok := t.sets.Load(k); ok {
		return s.(metric.MeasurementOption)
	}
	attrs := make([]attribute.KeyValue, 0, 3)
	switch {
	case queue == "":
		attrs = append(attrs, keyOutcome.String(class))
	case class == "":
		attrs = append(attrs, semconv.MessagingDestinationName(queue))
	default:
		attrs = append(attrs, semconv.MessagingDestinationName(queue), keyClass.String(class))
	}
	if status != 0 {
		attrs = append(attrs, semconv.HTTPResponseStatusCode(status))
	}
	s, _ := t.sets.LoadOrStore(k, metric.WithAttributeSet(attribute.NewSet(attrs...)))
	return s.(metric.MeasurementOption)
}

// ObserveQueues reports the figures stats returns as the gauges
// webhook.queue.jobs and webhook.queue.lag, read at each collection of
// the meter provider's readers. Pass a Runtime's QueueStats method; one
// process per database is enough, since every process sees the same
// figures. A collection whose stats call fails reports nothing. Stop
// reporting with the returned registration's Unregister.
func (t *Telemetry) ObserveQueues(stats func(context.Context) ([]durable.QueueStats, error)) (metric.Registration, error) {
	jobs, err := t.meter.Int64ObservableGauge("webhook.queue.jobs", metric.WithUnit("{job}"),
		metric.WithDescription("Unfinished durable webhook jobs, by queue and state."))
	if err != nil {
		return nil, err
	}
	lag, err := t.meter.Float64ObservableGauge("webhook.queue.lag", metric.WithUnit("s"),
		metric.WithDescription("How long the oldest available job of a queue has waited for a worker."))
	if err != nil {
		return nil, err
	}
	return t.meter.RegisterCallback(func(ctx context.Context, o metric.Observer) error {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		qs, err := stats(ctx)
		if err != nil {
			return err
		}
		for _, q := range qs {
			dest := semconv.MessagingDestinationName(q.Queue)
			for _, s := range []struct {
				state string
				n     int64
			}{{"available", q.Available}, {"scheduled", q.Scheduled}, {"running", q.Running}, {"retryable", q.Retryable}} {
				o.ObserveInt64(jobs, s.n, metric.WithAttributes(dest, keyJobState.String(s.state)))
			}
			o.ObserveFloat64(lag, q.Lag.Seconds(), metric.WithAttributes(dest))
		}
		return nil
	}, jobs, lag)
}

// ObserveEndpoints reports the endpoints furthest behind as the gauges
// webhook.endpoint.pending and webhook.endpoint.lag, by webhook.endpoint.id
// and webhook.application.id, read at each collection. Pass an Endpoints'
// PendingByEndpoint method and how many endpoints to report (1 to 1000):
// only those with the most unfinished deliveries are reported, which
// bounds the metrics' cardinality however many customers there are; an
// endpoint that drops out of the top stops being reported. One process per
// database is enough. A collection whose call fails reports nothing. Stop
// reporting with the returned registration's Unregister.
func (t *Telemetry) ObserveEndpoints(pending func(ctx context.Context, limit int) ([]endpoints.Pending, error), top int) (metric.Registration, error) {
	if top < 1 || top > 1000 {
		return nil, fmt.Errorf("durableotel: ObserveEndpoints: top must be between 1 and 1000, not %d", top)
	}
	count, err := t.meter.Int64ObservableGauge("webhook.endpoint.pending", metric.WithUnit("{delivery}"),
		metric.WithDescription("Unfinished deliveries of the endpoints furthest behind."))
	if err != nil {
		return nil, err
	}
	lag, err := t.meter.Float64ObservableGauge("webhook.endpoint.lag", metric.WithUnit("s"),
		metric.WithDescription("How long the oldest unfinished delivery of an endpoint has been due."))
	if err != nil {
		return nil, err
	}
	return t.meter.RegisterCallback(func(ctx context.Context, o metric.Observer) error {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		ps, err := pending(ctx, top)
		if err != nil {
			return err
		}
		for _, p := range ps {
			attrs := metric.WithAttributes(keyEndpointID.String(p.EndpointID), keyAppID.String(p.ApplicationID))
			o.ObserveInt64(count, p.Pending, attrs)
			o.ObserveFloat64(lag, p.Oldest.Seconds(), attrs)
		}
		return nil
	}, count, lag)
}
