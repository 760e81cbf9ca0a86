package endpoints_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
)

func TestRotationSignsWithBothSecretsDuringGrace(t *testing.T) {
	t.Parallel()
	eachEndpointsDB(t, nil, func(t *testing.T, env *epEnv) {
		ctx := context.Background()
		rc := newReceivers(t, env.clock)
		_, err := env.e.CreateApplication(ctx, "acme", "")
		require.NoError(t, err)
		ep, oldSecret, err := env.e.CreateEndpoint(ctx, "acme", endpoints.Input{URL: rc.URL + "/r"})
		require.NoError(t, err)
		rc.set("/r", oldSecret, 0)
		env.start(t)

		newSecret, err := env.e.RotateSecret(ctx, "acme", ep.ID, 0)
		require.NoError(t, err)
		require.NotEqual(t, oldSecret, newSecret)
		rc.set("/r", newSecret, 0)
		got, err := env.e.GetEndpoint(ctx, "acme", ep.ID)
		require.NoError(t, err)
		require.Len(t, got.Secrets, 2)
		require.NotNil(t, got.Secrets[1].ExpiresAt)
		assert.Equal(t, env.clock.Now().Add(24*time.Hour).Unix(), got.Secrets[1].ExpiresAt.Unix())

		deliver := func(id string) *http.Request {
			_, err := env.e.Publish(ctx, "acme", "a.b", []byte(`{"n":1}`), id)
			require.NoError(t, err)
			require.Eventually(t, func() bool { return contains(rc.ids("/r"), id) }, 30*time.Second, 10*time.Millisecond)
			return rc.last("/r")
		}
		during := deliver("msg_during")
		assert.Equal(t, 2, strings.Count(during.Header.Get(webhook.SignatureHeader), "s="))
		assert.NoError(t, rc.verify(oldSecret, during), "old secret during grace")
		assert.NoError(t, rc.verify(newSecret, during), "new secret during grace")

		env.clock.Advance(24*time.Hour + time.Second)
		after := deliver("msg_after")
		assert.Equal(t, 1, strings.Count(after.Header.Get(webhook.SignatureHeader), "s="))
		require.ErrorIs(t, rc.verify(oldSecret, after), webhook.ErrNoMatchingSignature, "old secret after grace")
		assert.NoError(t, rc.verify(newSecret, after), "new secret after grace")
		got, err = env.e.GetEndpoint(ctx, "acme", ep.ID)
		require.NoError(t, err)
		assert.Len(t, got.Secrets, 1)
	})
}

func TestFailingEndpointIsDisabledAndRecovered(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var disabled []endpoints.Endpoint
	// DisableAfter stays inside the receivers' timestamp tolerance (5 min):
	// the failing endpoint is retried all along, so an attempt signed just
	// before the clock jumps past DisableAfter may be verified just after,
	// and a jump beyond the tolerance would refuse it as too old.
	opts := &endpoints.Options{
		DisableAfter: 2 * time.Minute,
		Retry:        testRetry(50, 20*time.Millisecond),
		OnDisable: func(_ context.Context, e endpoints.Endpoint) {
			mu.Lock()
			defer mu.Unlock()
			disabled = append(disabled, e)
		},
	}
	eachEndpointsDB(t, opts, func(t *testing.T, env *epEnv) {
		ctx := context.Background()
		rc := newReceivers(t, env.clock)
		_, err := env.e.CreateApplication(ctx, "acme-"+env.name, "")
		require.NoError(t, err)
		app := "acme-" + env.name
		ep := addEndpoint(t, env, rc, app, "/down", nil)
		healthy := addEndpoint(t, env, rc, app, "/up", nil)
		rc.setStatus("/down", http.StatusServiceUnavailable)
		env.start(t)
		since := time.Now().Add(-time.Minute) // River's clock, not the fake one

		_, err = env.e.Publish(ctx, app, "a.b", []byte(`{}`), "msg_1")
		require.NoError(t, err)
		// The first failure starts the failing run.
		require.Eventually(t, func() bool {
			got, err := env.e.GetEndpoint(ctx, app, ep.ID)
			return err == nil && got.FailingSince != nil
		}, 30*time.Second, 10*time.Millisecond)
		got, err := env.e.GetEndpoint(ctx, app, ep.ID)
		require.NoError(t, err)
		assert.True(t, got.Enabled, "failing for less than DisableAfter")

		env.clock.Advance(2*time.Minute + time.Second)
		require.Eventually(t, func() bool {
			got, err = env.e.GetEndpoint(ctx, app, ep.ID)
			return err == nil && !got.Enabled
		}, 30*time.Second, 10*time.Millisecond)
		assert.Equal(t, "failing", got.DisabledReason)
		// The hook runs after the disable is committed, so it may trail the
		// state a reader sees by a moment.
		require.Eventually(t, func() bool {
			mu.Lock()
			defer mu.Unlock()
			for _, d := range disabled {
				if d.ID == ep.ID {
					return true
				}
			}
			return false
		}, 30*time.Second, 10*time.Millisecond, "the hook is told")

		env.waitDelivery(t, app, ep.ID, "msg_1", durable.StateCancelled)

		// Disabled: new messages skip it; the healthy one is untouched.
		res, err := env.e.Publish(ctx, app, "a.b", []byte(`{}`), "msg_2")
		require.NoError(t, err)
		assert.Equal(t, 1, res.Deliveries)
		// Delivery is at least once: a loaded run may deliver msg_1 twice, so
		// compare the distinct ids.
		if !assert.Eventually(t, func() bool {
			return assert.ElementsMatch(noT{}, []string{"msg_1", "msg_2"}, distinct(rc.ids("/up")))
		}, 30*time.Second, 10*time.Millisecond) {
			t.Fatalf("up got %v, failed verification %d", rc.ids("/up"), rc.badCount("/up"))
		}
		got, err = env.e.GetEndpoint(ctx, app, healthy.ID)
		require.NoError(t, err)
		assert.True(t, got.Enabled)

		// Re-enable by API, then recover what failed meanwhile.
		rc.setStatus("/down", http.StatusOK)
		got, err = env.e.EnableEndpoint(ctx, app, ep.ID)
		require.NoError(t, err)
		assert.True(t, got.Enabled)
		assert.Nil(t, got.FailingSince)
		assert.Empty(t, got.DisabledReason)
		n, err := env.e.Recover(ctx, app, ep.ID, since)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		env.waitDelivery(t, app, ep.ID, "msg_1", durable.StateDone)

		attempts, err := env.e.ListAttempts(ctx, app, endpoints.AttemptFilter{EndpointID: ep.ID, MessageID: "msg_1"}, "", 0)
		require.NoError(t, err)
		require.GreaterOrEqual(t, len(attempts.Items), 3)
		assert.Equal(t, "delivered", attempts.Items[0].Outcome)
		assert.Equal(t, "retry", attempts.Items[len(attempts.Items)-1].Outcome)
		assert.Equal(t, http.StatusServiceUnavailable, attempts.Items[len(attempts.Items)-1].StatusCode)
		assert.Len(t, rc.ids("/down"), len(attempts.Items), "one request per recorded attempt")
	})
}

func TestResend(t *testing.T) {
	t.Parallel()
	eachEndpointsDB(t, nil, func(t *testing.T, env *epEnv) {
		ctx := context.Background()
		rc := newReceivers(t, env.clock)
		_, err := env.e.CreateApplication(ctx, "acme", "")
		require.NoError(t, err)
		ep := addEndpoint(t, env, rc, "acme", "/r", nil)
		env.start(t)
		_, err = env.e.Publish(ctx, "acme", "a.b", []byte(`{}`), "msg_1")
		require.NoError(t, err)
		env.waitDelivery(t, "acme", ep.ID, "msg_1", durable.StateDone)
		require.Len(t, rc.ids("/r"), 1)

		require.NoError(t, env.e.Resend(ctx, "acme", ep.ID, "msg_1"))
		require.Eventually(t, func() bool { return len(rc.ids("/r")) == 2 }, 30*time.Second, 10*time.Millisecond)
		assert.Equal(t, []string{"msg_1", "msg_1"}, rc.ids("/r"))

		require.ErrorIs(t, env.e.Resend(ctx, "acme", ep.ID, "msg_nope"), endpoints.ErrUnknownMessage)
		require.ErrorIs(t, env.e.Resend(ctx, "acme", "ep_nope", "msg_1"), endpoints.ErrUnknownEndpoint)
		require.ErrorIs(t, env.e.Resend(ctx, "other", ep.ID, "msg_1"), endpoints.ErrUnknownEndpoint)
		_, err = env.e.Recover(ctx, "acme", "ep_nope", time.Time{})
		require.ErrorIs(t, err, endpoints.ErrUnknownEndpoint)
	})
}

// A resend while the delivery's attempt is in flight is refused, not
// dropped: River leaves a running job alone, and the attempt may end the
// delivery (a dead letter), which would lose the resend. Once the attempt
// has ended, the resend delivers again.
func TestResendWhileRunning(t *testing.T) {
	t.Parallel()
	eachEndpointsDB(t, nil, func(t *testing.T, env *epEnv) {
		ctx := context.Background()
		inside, release := make(chan struct{}, 1), make(chan struct{})
		var got atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if got.Add(1) == 1 {
				inside <- struct{}{}
				<-release
			}
		}))
		defer srv.Close()
		defer func() {
			select {
			case <-release:
			default:
				close(release)
			}
		}()
		_, err := env.e.CreateApplication(ctx, "acme", "")
		require.NoError(t, err)
		ep, _, err := env.e.CreateEndpoint(ctx, "acme", endpoints.Input{URL: srv.URL})
		require.NoError(t, err)
		env.start(t)
		_, err = env.e.Publish(ctx, "acme", "a.b", []byte(`{}`), "msg_1")
		require.NoError(t, err)
		select {
		case <-inside:
		case <-time.After(20 * time.Second):
			t.Fatal("the first attempt never arrived")
		}
		err = env.e.Resend(ctx, "acme", ep.ID, "msg_1")
		require.ErrorIs(t, err, endpoints.ErrDeliveryRunning)
		status, out, body := call(t, specChecked(t, env.e.Handler(nil)), http.MethodPost, "/applications/acme/endpoints/"+ep.ID+"/messages/msg_1/resend", "")
		assert.Equal(t, http.StatusConflict, status, body)
		assert.Equal(t, "delivery_running", out["error"])

		close(release)
		env.waitDelivery(t, "acme", ep.ID, "msg_1", durable.StateDone)
		require.NoError(t, env.e.Resend(ctx, "acme", ep.ID, "msg_1"))
		require.Eventually(t, func() bool { return got.Load() == 2 }, 30*time.Second, 10*time.Millisecond)
	})
}
