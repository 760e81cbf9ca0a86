// Package durableotel reports the durable layer's work
// ([github.com/signedhooks/webhook/durable]) to OpenTelemetry: a span per
// enqueue and per run of a job, continued from the enqueue into every run
// in whichever process works it, and from there, through
// [github.com/signedhooks/webhook/webhookotel]'s tracing transport and
// traceparent header, into the consumer's spans; counters and histograms
// of delivery attempts and inbox runs; gauges of each queue's depth and
// lag; and endpoints' circuit breakers and disabling.
//
// It is a module of its own, apart from webhookotel, so that a consumer
// who wants only the instrumented middleware does not pull in River, the
// database drivers and Go 1.26, which the durable module needs.
//
// One [Telemetry] serves a process. Instrument the Runtime's options, the
// Outbox's Sender options and the Endpoints' options with it before
// building them, on every process (the enqueuing ones too: the enqueue is
// where the trace is stored with the job), then watch the queues:
//
//	tel := durableotel.New(nil) // the global providers
//	ro := &durable.RuntimeOptions{}
//	tel.Instrument(ro)
//	rt, err := durable.NewRuntime(backend, ro)
//	so := &webhook.SenderOptions{Secret: secret}
//	tel.InstrumentSender(so)
//	outbox, err := durable.NewOutbox(rt, so, nil)
//	eo := &endpoints.Options{}
//	tel.InstrumentEndpoints(eo)
//	service, err := endpoints.New(rt, eo)
//	reg, err := tel.ObserveQueues(rt.QueueStats)
//
// # Spans
//
// Each enqueue call (Outbox.Enqueue and its forms, Endpoints.Publish,
// Endpoints.Resend, Inbox.Store) makes a producer span "send {queue}",
// a child of the caller's span if there is one, ended at once: it marks
// the enqueue and is the parent of every run of the jobs it stored (one
// per endpoint for a Publish). Each run of a job is a consumer span
// "process {queue}", whose children are the attempt's client span (from
// webhookotel) and, through the traceparent it sends, the consumer's
// server span; an inbox run's children are the handler's spans. Both
// follow OpenTelemetry's messaging conventions:
//
//	messaging.system              "river" (the queue library)
//	messaging.destination.name    the queue: webhook_outbox, webhook_endpoints, webhook_inbox
//	messaging.operation.type      "send" or "process"
//	messaging.operation.name      "send" or "process"
//	messaging.message.id          the job id (process)
//	webhook.message.id            the message's (or event's) id (process)
//	webhook.endpoint.id           the endpoint (process, webhook_endpoints only)
//	webhook.application.id        the endpoint's application (process, webhook_endpoints only)
//	webhook.attempt               the job's attempt, from 1 (process)
//	webhook.attempt.class         delivered, retry, permanent, gone or aborted (process of a delivery)
//	webhook.outcome               processed, retry, unprocessable or aborted (process of an inbox event)
//	error.type                    the class or outcome, when the run failed
//
// A run that disables its endpoint gets an event "webhook.endpoint.disabled"
// with webhook.endpoint.id and webhook.endpoint.disabled_reason ("failing"
// or "gone"); a run that opens, reopens or closes its endpoint's circuit
// breaker gets an event "webhook.endpoint.breaker" with webhook.endpoint.id
// and webhook.breaker.state (the state entered: open, half_open, closed). No span or metric
// carries a secret, a payload, a URL, a response or an error's text.
//
// # Metrics
//
//	webhook.durable.attempts           counter, {attempt}: delivery attempts by messaging.destination.name
//	                                   and webhook.attempt.class (http.response.status_code when there was one)
//	webhook.durable.attempt.duration   histogram, s: each attempt's latency, by messaging.destination.name
//	webhook.inbox.runs                 counter, {run}: inbox handler runs by webhook.outcome
//	webhook.inbox.run.duration         histogram, s: the handler's latency, by webhook.outcome
//	webhook.endpoint.disabled          counter, {endpoint}: endpoints disabled by their deliveries,
//	                                   by webhook.endpoint.disabled_reason (failing, gone)
//	webhook.endpoint.breaker           counter, {transition}: circuit breaker changes, by
//	                                   webhook.breaker.state (the state entered)
//	webhook.queue.jobs                 gauge, {job}: unfinished jobs by messaging.destination.name
//	                                   and webhook.job.state (available, scheduled, running, retryable)
//	webhook.queue.lag                  gauge, s: how long the oldest available job has waited, by
//	                                   messaging.destination.name
//
//	webhook.endpoint.pending           gauge, {delivery}: unfinished deliveries of the endpoints
//	                                   furthest behind, by webhook.endpoint.id and webhook.application.id
//	webhook.endpoint.lag               gauge, s: how long each such endpoint's oldest delivery has been due
//
// Message ids are never metric attributes, and endpoints and applications
// only in the two endpoint gauges of [Telemetry.ObserveEndpoints], which
// report a bounded number of them (the top N by backlog), so that the
// metrics' cardinality does not grow with the number of customers.
//
// # Trust
//
// The trace context stored with a job is the enqueuing process's; a run
// continues it. Jobs are written only by the provider's own processes, so
// this crosses no trust boundary, unlike a consumer's incoming
// traceparent (see webhookotel's package documentation).
package durableotel
