package webhookotel

import "go.opentelemetry.io/otel/attribute"

// The webhook.* attribute keys; see the package documentation.
const (
	keyMessageID           = attribute.Key("webhook.message.id")
	keyEventType           = attribute.Key("webhook.event.type")
	keyScheme              = attribute.Key("webhook.scheme")
	keyOutcome             = attribute.Key("webhook.outcome")
	keyRejection           = attribute.Key("webhook.rejection.reason")
	keyFingerprintMismatch = attribute.Key("webhook.fingerprint_mismatch")
	keyAttempt             = attribute.Key("webhook.attempt")
	keyClass               = attribute.Key("webhook.attempt.class")
	keyRetry               = attribute.Key("webhook.retry")
	keyRetryDelay          = attribute.Key("webhook.retry.delay")
)
