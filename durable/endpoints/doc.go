// Package endpoints is a provider's self-service webhooks on top of package
// durable: applications (the provider's customers) register endpoints with
// event-type filters, [Service.Publish] fans a message out to every
// enabled, matching endpoint, one durable delivery each, signed with that
// endpoint's secrets, and [Service.Handler] serves the JSON management API.
//
// A [Service] attaches to the process's [durable.Runtime], beside its
// Outbox and Inbox, and its deliveries run in that Runtime's River client:
//
//	b := durable.SQLite(db)
//	if err := endpoints.Migrate(ctx, b); err != nil { // explicit, idempotent
//		return err
//	}
//	rt, err := durable.NewRuntime(b, nil)
//	if err != nil {
//		return err
//	}
//	svc, err := endpoints.New(rt, nil)
//	if err != nil {
//		return err
//	}
//	if err := rt.Start(ctx); err != nil {
//		return err
//	}
//	res, err := svc.Publish(ctx, "cust_42", "invoice.paid", payload, "")
//
// Applications are scheduled fairly: every application's deliveries share
// one River queue, and Publish gives an application's new deliveries a
// lower River priority (2, 3, then 4, from 1) once it has published 100,
// 1,000 and 10,000 deliveries in about the last 10 seconds, so a light
// publisher's deliveries go ahead of a heavy one's backlog. Since every
// process fetches by priority, the order holds across the processes
// sharing the database, and a delivery keeps its priority through its
// retries, [Service.Resend] and [Service.Recover]. Its limits: the volume
// is each publishing process's own count, so an application publishing
// through several processes looks lighter than it is; applications of
// the same tier share it first in, first out; and a heavy application's
// deliveries wait for as long as lighter ones keep every worker busy.
//
// Endpoints that keep failing are disabled, and a circuit breaker
// ([Breaker]) holds the deliveries of one that fails now; failed
// deliveries can be resent and recovered. A [KeyRing] encrypts the
// endpoints' signing secrets at rest, and an [EventCatalog] declares the
// provider's event types. All state is in the database, so several
// processes can share one Service's work.
package endpoints
