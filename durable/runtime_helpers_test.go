package durable_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
)

// senderOptions signs with testSecret and retries with retry (nil: the
// outbox's default).
func senderOptions(retry webhook.RetryPolicy) *webhook.SenderOptions {
	return &webhook.SenderOptions{Secret: testSecret, Retry: retry}
}

// testRetry makes attempts attempts (the first included) d apart, and
// honours a Retry-After of up to a minute, as webhook.Backoff does.
func testRetry(attempts int, d time.Duration) webhook.RetryPolicy {
	return webhook.Backoff{InitialDelay: d, Multiplier: 1, MaxDelay: time.Minute, MaxAttempts: attempts,
		Rand: func() float64 { return 0.99 }}
}

// testRuntimeOptions polls quickly, for tests.
func testRuntimeOptions() *durable.RuntimeOptions {
	return &durable.RuntimeOptions{FetchPollInterval: 20 * time.Millisecond}
}

func newRuntime[TTx any](t testing.TB, b durable.Backend[TTx], opts *durable.RuntimeOptions) *durable.Runtime[TTx] {
	if opts == nil {
		opts = testRuntimeOptions()
	}
	rt, err := durable.NewRuntime(b, opts)
	require.NoError(t, err)
	return rt
}

// runtimeControl starts and stops a component's Runtime: a component on a
// Runtime of its own is one simulated process.
type runtimeControl[TTx any] struct{ rt *durable.Runtime[TTx] }

func (c runtimeControl[TTx]) Start(ctx context.Context) error { return c.rt.Start(ctx) }
func (c runtimeControl[TTx]) Stop(ctx context.Context) error  { return c.rt.Stop(ctx) }

// ownOutbox is an Outbox on a Runtime of its own, started and stopped
// with it.
type ownOutbox[TTx any] struct {
	*durable.Outbox[TTx]
	runtimeControl[TTx]
}

func newOwnOutbox[TTx any](t testing.TB, b durable.Backend[TTx], sender *webhook.SenderOptions, opts *durable.OutboxOptions) ownOutbox[TTx] {
	rt := newRuntime(t, b, nil)
	o, err := durable.NewOutbox(rt, sender, opts)
	require.NoError(t, err)
	return ownOutbox[TTx]{o, runtimeControl[TTx]{rt}}
}

// ownInbox is an Inbox on a Runtime of its own, started and stopped with
// it.
type ownInbox[TTx any] struct {
	*durable.Inbox[TTx]
	runtimeControl[TTx]
}

func newOwnInbox[TTx any](t testing.TB, b durable.Backend[TTx], h durable.HandlerFunc, opts *durable.InboxOptions) ownInbox[TTx] {
	rt := newRuntime(t, b, nil)
	in, err := durable.NewInbox(rt, h, opts)
	require.NoError(t, err)
	return ownInbox[TTx]{in, runtimeControl[TTx]{rt}}
}
