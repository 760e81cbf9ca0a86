// Package webhooktest provides helpers for testing webhook code, in the
// manner of net/http/httptest: signed requests in every scheme the module
// speaks, a recording consumer server, and a fake provider that delivers a
// message and then the hard cases a real provider and a real attacker
// produce.
//
// A handler is tested in two lines:
//
//	rec := httptest.NewRecorder()
//	h.ServeHTTP(rec, webhooktest.NewRequest(webhooktest.Native(secret), "/webhooks",
//		webhook.Message{Type: "payment.succeeded", Data: payment}))
//
// and its behaviour under duplicates, retries, stale, future, tampered and
// replayed requests with
//
//	rep := webhooktest.Provider{Signer: webhooktest.Native(secret)}.Deliver(h, msg)
//	err := rep.Check(idsMyHandlerRan)
//
// The helpers sign exactly as a [webhook.Sender] does (they use one), so
// what a test sends is what production sends. Like httptest, they panic on
// bad arguments; they are meant for tests, not for servers.
package webhooktest
