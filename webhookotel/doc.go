// Package webhookotel reports webhook deliveries to OpenTelemetry: a span
// per delivery received and per attempt sent, counters and latency
// histograms, and the W3C traceparent carried from the sender's attempt to
// the consumer, so that one trace shows a message's path from
// [webhook.Sender.Send] to the consumer's handler.
//
// It is a module of its own so that the core module never imports
// OpenTelemetry. It uses only the OpenTelemetry API: the application
// chooses the SDK and exporters and passes its providers in [Options]
// (default: the global ones, which do nothing until an SDK is installed).
//
// Each side takes one call. A consumer replaces [webhook.Middleware] with
// [Middleware]; a provider replaces [webhook.NewSender] with [NewSender]:
//
//	mw := webhookotel.Middleware(verifier, &webhook.MiddlewareOptions{Store: store}, nil)
//	http.Handle("POST /hooks", mw(mux))
//
//	sender, err := webhookotel.NewSender(&webhook.SenderOptions{Secret: secret, BlockPrivateNetworks: true}, nil)
//
// Both keep the hooks already set in the options (OnOutcome, OnAttempt,
// WrapTransport) and call them too.
//
// The durable layer's outbox, endpoints and inbox are instrumented by the
// module [github.com/signedhooks/webhook/webhookotel/durableotel], apart
// from this one so that the middleware alone needs neither River nor Go
// 1.26.
//
// With OpenTelemetry's no-op providers, and with the global providers as
// long as no SDK is set, no span is started: the trace context of the
// request (consumer) or of the caller (Sender) is still handed on.
//
// # Spans
//
// The consumer's span is a server span named "POST" (or "POST {route}" when
// the request came through an [http.ServeMux] pattern), a child of the
// sender's attempt span when the request carries a traceparent. The
// sender's span is a client span per attempt, also named "POST", whose
// context is sent in the traceparent header. Attributes follow the
// OpenTelemetry HTTP semantic conventions where they apply
// (http.request.method, http.response.status_code, http.route, url.scheme,
// server.address, server.port, error.type) and the webhook.* namespace
// otherwise:
//
//	webhook.message.id         the message id (both sides; "" when unknown)
//	webhook.event.type         the event type (both sides)
//	webhook.scheme             the signature scheme (consumer)
//	webhook.outcome            the consumer's outcome: processed, failed, rejected, ... (see [webhook.OutcomeKind])
//	webhook.rejection.reason   why a request was rejected: missing_signature, invalid_header,
//	                           no_matching_signature, timestamp_too_old, timestamp_too_new,
//	                           body_too_large, other (consumer, rejected only)
//	webhook.fingerprint_mismatch  true when a duplicate id came with another body (consumer)
//	webhook.attempt            the attempt number, from 1 (sender)
//	webhook.attempt.class      delivered, retry, permanent or gone (see [webhook.Class]) (sender)
//	webhook.retry              whether another attempt follows (sender)
//	webhook.retry.delay        seconds until that attempt (sender, when webhook.retry)
//
// No span or metric carries a secret, a signature, a payload, an error's
// text, a query string or a URL path: webhook URLs often hold a token in
// the path (chat incoming webhooks, per-source consumer routes), so the
// client spans leave out url.full, which the HTTP conventions would have,
// and the server spans name the route pattern (http.route), never the
// path.
//
// # Metrics
//
//	webhook.consumer.deliveries        counter, {delivery}: requests by webhook.outcome and webhook.scheme
//	webhook.consumer.duration          histogram, s: the middleware's latency (handler included), same attributes
//	webhook.sender.attempts            counter, {attempt}: attempts by webhook.attempt.class
//	                                   and http.response.status_code (absent without a response)
//	webhook.sender.attempt.duration    histogram, s: each attempt's latency until the response body was read,
//	                                   by webhook.attempt.class
//
// Event types, message ids and endpoints are not metric attributes: their
// number is not bounded.
//
// # Trust
//
// The consumer continues the trace named in the request's traceparent
// before the signature is checked, as HTTP servers instrumented with
// OpenTelemetry do. An unauthenticated caller can thus pick the trace id of
// a rejected request's span. Set [Options.Propagator] to a propagator that
// extracts nothing to start a new trace for every request instead.
package webhookotel
