// Package githubsig verifies and makes GitHub webhook signatures: an
// X-Hub-Signature-256 header "sha256=<hex>" holding HMAC-SHA256 of the body,
// keyed with the webhook's secret. The delivery id comes from
// X-GitHub-Delivery and the event type from X-GitHub-Event.
//
// A [Verifier] implements [webhook.Authenticator], so the same middleware,
// idempotency, replay guard and routing that serve this module's own format
// serve GitHub. A [Signer] signs in this format without allocating, and is
// a [webhook.HeaderSigner], so a [webhook.Sender] can deliver GitHub-style;
// [Sign] makes one signature, for tests.
//
//	v, err := githubsig.NewVerifier([]string{os.Getenv("GITHUB_WEBHOOK_SECRET")}, nil)
//	if err != nil { ... }
//	err = v.Verify(r.Header.Get("X-Hub-Signature-256"), body) // or plug v into the middleware
//
// GitHub signs neither a timestamp nor the delivery id nor the event type:
// a captured delivery verifies forever, and its headers can be changed
// without breaking the signature. Behind the middleware, the replay guard
// (which remembers each signature) and idempotency on the delivery id are
// what stop a replay; keep the replay window long. Handlers should read
// the event type from the payload when it matters for security. The legacy
// SHA-1 header X-Hub-Signature is never accepted.
package githubsig
