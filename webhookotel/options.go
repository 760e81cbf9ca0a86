package webhookotel

import (
	"reflect"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// scope is the instrumentation scope of the tracers and meters.
const scope = "github.com/signedhooks/webhook/webhookotel"

// Options configures [Middleware] and [NewSender]. The zero value and nil
// use the global providers and the W3C trace context.
type Options struct {
	// TracerProvider makes the tracer. Default: otel.GetTracerProvider().
	TracerProvider trace.TracerProvider

	// MeterProvider makes the meter. Default: otel.GetMeterProvider().
	MeterProvider metric.MeterProvider

	// Propagator injects the span context into each attempt's headers and
	// extracts it from each request's. Default: propagation.TraceContext{},
	// the W3C traceparent and tracestate headers (not the global
	// propagator, which propagates nothing until one is set, so that
	// sender and consumer meet without more setup).
	Propagator propagation.TextMapPropagator

	// Scheme names the signature scheme in the consumer's spans and
	// metrics (webhook.scheme). Default: the last element of the package
	// path of the Authenticator's type, such as "webhook",
	// "standardwebhooks", "stripesig" or "githubsig".
	Scheme string
}

// noopTracing reports whether tp is OpenTelemetry's no-op tracer
// provider, whose spans never record and carry only their parent's
// context: the instrumentation then starts none.
func noopTracing(tp trace.TracerProvider) bool {
	_, ok := tp.(tracenoop.TracerProvider)
	return ok
}

// idleTracing returns a function that reports whether tp's spans record
// nothing and carry only their parent's context, so that starting one can
// be skipped; or nil when they may record. That is so for the no-op
// provider, and for the global provider as long as no SDK is set: until
// then otel.GetTracerProvider returns the very provider it returned when
// the instrumentation was built, and after, the SDK. (The global
// provider's type is internal to OpenTelemetry and checked by name: should
// it change, this returns nil and spans are started as for any provider.)
func idleTracing(tp trace.TracerProvider, fromGlobal bool) func() bool {
	if noopTracing(tp) {
		return func() bool { return true }
	}
	t := reflect.TypeOf(tp)
	if !fromGlobal || t.Kind() != reflect.Pointer || t.Elem().PkgPath() != "go.opentelemetry.io/otel/internal/global" ||
		t.Elem().Name() != "tracerProvider" {
		return nil
	}
	return func() bool { return otel.GetTracerProvider() == tp }
}

// noopMetrics reports whether mp is OpenTelemetry's no-op meter provider.
func noopMetrics(mp metric.MeterProvider) bool {
	_, ok := mp.(metricnoop.MeterProvider)
	return ok
}

// withDefaults returns a copy of o, or of the zero Options, with the
// defaults filled in.
func (o *Options) withDefaults() Options {
	var c Options
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
	return c
}

// durationBuckets are the histograms' bucket boundaries in seconds, those
// the HTTP semantic conventions advise for request durations (the SDK's
// default boundaries are meant for milliseconds).
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}
