// Package relay receives webhooks from many providers, verifies,
// deduplicates and stores them, and delivers each event durably to the
// internal services its routes name, re-signed with this module's scheme.
// The command webhook-relay (relay/cmd/webhook-relay) runs one from a YAML
// file; see [Config] for its keys.
//
// A relay composes the module's parts: per source, the core middleware
// ([webhook.Middleware]) with the provider's scheme (native, Standard
// Webhooks, Stripe, GitHub, or auto), its replay guard and its dedupe by
// the provider's id, in front of a durable inbox that stores the event
// and answers 202 at once; then the inbox's workers evaluate the routes
// (event type, exact or "prefix.*", and conditions on the JSON body) and
// publish the event to durable endpoints, one application per
// destination, each with its own retries, backoff, Retry-After and rate
// limit. The event's id ("source:provider id") is the message id, so a
// routing run repeated after a crash delivers nothing twice, and a
// destination that deduplicates by X-Webhook-Id processes every event once.
//
//	cfg, err := relay.ParseConfig(data, &relay.ConfigOptions{Filename: "relay.yaml"})
//	if err != nil {
//		log.Fatal(err) // names the key and the line
//	}
//	r, err := relay.New(ctx, cfg, nil)
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer r.Close(shutdownCtx)
//	_ = r.Start(ctx)
//	go http.ListenAndServe(cfg.Listen, r.Handler())
//	go http.ListenAndServe(cfg.AdminListen, r.AdminHandler()) // private address only
//
// The database is a SQLite file (one relay process) or PostgreSQL (any
// number of relay processes). The core module never imports this one.
package relay
