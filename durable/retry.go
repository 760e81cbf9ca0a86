package durable

import (
	"time"

	webhook "github.com/signedhooks/webhook"
)

// Default policies, as [webhook.Backoff] values: the waits grow from their
// InitialDelay up to MaxDelay, which also caps a Retry-After, over 8
// attempts.
var (
	// defaultDeliveryRetry is the outbox's default: up to 5 s, 10 s,
	// 20 s, ... an hour.
	defaultDeliveryRetry = webhook.Backoff{InitialDelay: 5 * time.Second, MaxDelay: time.Hour}
	// defaultInboxRetry is the inbox's default: up to 1 s, 2 s, ... 10 min.
	defaultInboxRetry = webhook.Backoff{InitialDelay: time.Second, MaxDelay: 10 * time.Minute}
)
