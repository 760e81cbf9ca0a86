// Package standardwebhooks verifies and signs webhooks in the Standard
// Webhooks format (https://www.standardwebhooks.com), which Svix and others
// send: headers webhook-id, webhook-timestamp and webhook-signature (or their
// svix-* forms), signed content "<id>.<timestamp>.<body>", "v1" signatures
// made with HMAC-SHA256 and a "whsec_" secret, and "v1a" signatures made with
// ed25519 (a sender signs with a "whsk_" private key, a receiver checks with
// the "whpk_" public key).
//
// A [Verifier] implements [webhook.Authenticator], so the same middleware,
// replay guard, idempotency and routing that serve this module's own format
// serve Standard Webhooks senders; a [Signer] implements
// [webhook.HeaderSigner], so the Sender can deliver in this format.
//
// Receiving:
//
//	v, err := standardwebhooks.NewVerifier([]string{os.Getenv("WEBHOOK_SECRET")}, nil)
//	if err != nil { ... }
//	err = v.Verify(r.Header, body) // or plug v into the middleware
//
// Errors match the sentinels of package webhook ([webhook.ErrInvalidHeader],
// [webhook.ErrNoMatchingSignature], ...) with [errors.Is]. Beyond the
// specification, this package checks the timestamp in both directions with a
// configurable tolerance, accepts several keys for rotation, bounds every
// header, rejects non-canonical base64 and repeated headers, and signs the
// timestamp exactly as sent (a sender that pads it with zeros does not
// verify).
package standardwebhooks
