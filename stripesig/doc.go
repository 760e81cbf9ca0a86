// Package stripesig verifies and makes Stripe-style webhook signatures: a
// Stripe-Signature header "t=<unix>,v1=<hex>[,v1=<hex>...]" where each v1 is
// HMAC-SHA256 over "<t>.<body>", keyed with the whole "whsec_..." string as
// Stripe shows it (not base64-decoded).
//
// A [Verifier] implements [webhook.Authenticator], so the same middleware,
// replay guard, idempotency and routing that serve this module's own format
// serve Stripe; the event id and type come from the signed JSON body. A
// [Signer] signs in this format without allocating, and is a
// [webhook.HeaderSigner], so a [webhook.Sender] can deliver Stripe-style;
// [Sign] makes one signature, for tests.
//
//	v, err := stripesig.NewVerifier([]string{os.Getenv("STRIPE_WEBHOOK_SECRET")}, nil)
//	if err != nil { ... }
//	err = v.Verify(r.Header.Get("Stripe-Signature"), body) // or plug v into the middleware
//
// Unlike Stripe's own library, this package also rejects timestamps too far
// in the future, accepts several secrets, rejects a repeated t or an
// undecodable v1 instead of ignoring them, and makes no allocations on the
// success path. Errors match the sentinels of package webhook with
// [errors.Is].
package stripesig
