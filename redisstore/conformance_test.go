package redisstore_test

import (
	"testing"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/idempotencytest"
	"github.com/signedhooks/webhook/redisstore"
)

// The store passes the core's conformance suite, each rule with its own
// client and key prefix on the shared Redis.
func TestConformance(t *testing.T) {
	idempotencytest.Run(t, func(t *testing.T) webhook.Store {
		return redisstore.New(newClient(t), &redisstore.Options{Prefix: uniquePrefix()})
	})
}
