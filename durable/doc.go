// Package durable delivers and processes webhooks through a database, so that
// nothing is lost when a process stops, crashes or restarts.
//
// It runs on River (github.com/riverqueue/river) over one of two backends:
//
//   - [SQLite], the embedded default: one file, pure Go (modernc.org/sqlite),
//     nothing to install. Open it with [OpenSQLite].
//   - [Postgres], over a pgx/v5 pool: any number of worker processes on any
//     number of machines share the work.
//
// Migrations never run implicitly: call [Migrate] once (at deploy or start-up)
// before anything else.
//
// # One runtime per process
//
// A [Runtime] is the one River client of a process. The [Outbox], the
// [Inbox] and the endpoints service of the process attach to it when they are
// built (each at most once, all before the Runtime is first used), and
// [Runtime.Start] runs the workers of all of them: one notifier, one leader
// election, one client ID ([RuntimeOptions.ID], unique per process by
// default). Roles are per process: a process that only enqueues never
// starts its Runtime, and a component built with EnqueueOnly set is left to
// other processes even when its Runtime runs.
//
// # Providers: the outbox
//
// An [Outbox] stores each webhook as a row, if need be in the caller's own
// transaction ([Outbox.EnqueueTx]), so the webhook exists exactly when the
// business change committed. Workers deliver it, one signed attempt per job
// run (fresh timestamp and signature, same message id), and map outcomes
// onto River: retry as the [webhook.RetryPolicy] of the Sender's options
// says, with the meaning it has in [webhook.Sender.Send] (a Retry-After is
// honoured up to the policy's longest wait), cancel on a permanent 4xx, and
// keep a dead letter when the policy gives up. The inbox and the endpoints
// take the same policy type. Each attempt is recorded ([Outbox.Attempts]); [Outbox.Replay] sends
// a finished or dead message again.
//
// A [Message] with a Type and Data is sent in the Sender's envelope,
// {"id": ID, "event": Type, "data": Data} ("type" in place of "event" with
// a Standard Webhooks signer), so the receiver finds the id and the type in
// the signed bytes and decodes the data with [webhook.DecodeData]; a raw
// Payload is sent byte for byte instead. Every attempt is signed at least
// one second after the previous one, even when a retry comes sooner or
// runs in another process, so no retry repeats an earlier attempt's
// signature and a receiver's replay guard lets it through.
//
//	db, _ := durable.OpenSQLite("webhooks.db")
//	backend := durable.SQLite(db)
//	_ = durable.Migrate(ctx, backend)
//	rt, _ := durable.NewRuntime(backend, nil)
//	outbox, _ := durable.NewOutbox(rt, &webhook.SenderOptions{Secret: secret}, nil)
//	_ = rt.Start(ctx)
//	defer rt.Stop(shutdownCtx)
//
//	tx, _ := db.BeginTx(ctx, nil)
//	// ... the business change, in tx ...
//	outbox.EnqueueTx(ctx, tx, "https://example.com/hooks", durable.Message{
//		Type: "order.created",
//		Data: order, // any value encoding/json marshals
//	})
//	tx.Commit()
//
// # Consumers: the inbox
//
// An [Inbox] is an http.Handler to put behind the verifying middleware: it
// stores the verified event, unique by message id, answers 202, and its
// workers run the handler (a [webhook.Mux]'s Dispatch) with retries.
// Replicas behind a load balancer need no other store for dedupe on this
// path.
//
// # Providers: endpoints
//
// Package [github.com/signedhooks/webhook/durable/endpoints] keeps customers' endpoints and fans each
// published message out to the matching ones, on the same Runtime as the
// outbox and the inbox. Its Service.Publish takes the event's data as
// JSON and sends it like an outbox message with Type and Data: the body is
// {"id": id, "event": eventType, "data": payload}, signed with the
// endpoint's secrets (this module's scheme by default, Standard Webhooks
// with its Options.NewSigner).
//
//	mux := webhook.NewMux(nil)
//	mux.HandleFunc("invoice.paid", handleInvoicePaid)
//	rt, _ := durable.NewRuntime(durable.Postgres(pool), nil)
//	inbox, _ := durable.NewInbox(rt, mux.Dispatch, nil)
//	_ = rt.Start(ctx)
//	http.Handle("/webhooks", webhook.Middleware(verifier, nil)(inbox))
//
// # Delivery guarantees
//
// Both sides are at least once: a worker killed after the receiver answered
// but before the job was marked done runs that job again after
// [RuntimeOptions.RescueAfter]. The repeat carries the same message id, so a receiver
// that deduplicates by id (the core middleware does) processes every message
// exactly once; an inbox handler should key its effects by [Event.ID].
//
// # Sharing a database
//
// The outbox, the inbox and the endpoints share one database, and every
// Runtime declares all of their job kinds, so the leader of any process
// rescues stuck jobs of every kind. River's maintenance discards stuck jobs
// of kinds it does not know, so other River clients in the same database
// should use their own PostgreSQL schema or SQLite file.
package durable
