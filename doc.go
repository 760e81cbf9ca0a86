// Package webhook signs, sends, receives and verifies webhooks.
//
// The wire format is an HMAC-SHA256 signature over "<t>.<raw body>":
//
//	X-Webhook-Signature: t=<unix seconds>,s=<hex HMAC-SHA256(secret, "<t>.<body>")>
//	X-Webhook-Timestamp: <t>
//	X-Webhook-Id: <message id, stable across retries>
//
// Several "s=" entries may appear, one per secret while a secret is being
// rotated; a [Verifier] accepts a request when any entry matches any of its
// secrets. It checks the signature first, then that the timestamp is within
// a tolerance (5 minutes by default) in both directions, comparing in
// constant time and without allocating.
//
// A provider signs:
//
//	signer, err := webhook.NewSigner(secret, nil)
//	...
//	err = signer.SignRequest(req, msgID) // sets the three headers
//
// A consumer verifies:
//
//	verifier, err := webhook.NewVerifier(secret, nil)
//	...
//	body, err := verifier.VerifyRequest(r) // r.Body stays readable
//	if err != nil {
//		http.Error(w, "unauthorized", http.StatusUnauthorized)
//		return
//	}
//
// Secrets are at least [MinSecretLen] bytes; [NewSecret] makes one,
// [FormatSecret] and [ParseSecret] convert to and from the printable
// "whsec_<base64>" form, and [SecretFromEnv] reads one from the environment.
// No error, log line or String method of this package ever shows a secret.
package webhook
