package webhookotel

import (
	"net/http"
	"net/textproto"

	"go.opentelemetry.io/otel/propagation"
)

// headerCarrier is propagation.HeaderCarrier without an allocation per
// lookup of the W3C headers: http.Header.Get canonicalises "traceparent"
// into a new string every time.
type headerCarrier http.Header

// canonical holds the canonical forms of the keys the W3C propagators use.
var canonical = map[string]string{
	"traceparent": "Traceparent",
	"tracestate":  "Tracestate",
	"baggage":     "Baggage",
}

// key returns the canonical header name of k.
func key(k string) string {
	if c, ok := canonical[k]; ok {
		return c
	}
	return textproto.CanonicalMIMEHeaderKey(k)
}

// Get returns the first value of the header k.
func (c headerCarrier) Get(k string) string {
	if v := c[key(k)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Set sets the header k to v.
func (c headerCarrier) Set(k, v string) { c[key(k)] = []string{v} }

// Keys returns the header names.
func (c headerCarrier) Keys() []string { return propagation.HeaderCarrier(c).Keys() }
