package endpoints_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
)

// portalAPI is what the customer portal adds to [endpointsAPI].
type portalAPI interface {
	RevealSecret(ctx context.Context, appID, endpointID string) (string, error)
	SendTest(ctx context.Context, appID, endpointID, eventType string, payload []byte) (endpoints.PublishResult, error)
	FindMessages(ctx context.Context, appID string, q endpoints.MessageQuery, cursor string, limit int) (endpoints.Page[endpoints.LoggedMessage], error)
	FindMessage(ctx context.Context, appID, messageID string) (endpoints.LoggedMessage, error)
}

func TestRevealSecretIsTheNewestAndOwnersOnly(t *testing.T) {
	t.Parallel()
	eachEndpointsDB(t, nil, func(t *testing.T, env *epEnv) {
		ctx := context.Background()
		p := env.e.(portalAPI)
		for _, app := range []string{"acme", "globex"} {
			_, err := env.e.CreateApplication(ctx, app, app)
			require.NoError(t, err)
		}
		ep, first, err := env.e.CreateEndpoint(ctx, "acme", endpoints.Input{URL: "https://example.com/hook"})
		require.NoError(t, err)
		got, err := p.RevealSecret(ctx, "acme", ep.ID)
		require.NoError(t, err)
		assert.Equal(t, first, got)

		rotated, err := env.e.RotateSecret(ctx, "acme", ep.ID, 0)
		require.NoError(t, err)
		got, err = p.RevealSecret(ctx, "acme", ep.ID)
		require.NoError(t, err)
		assert.Equal(t, rotated, got, "the newest secret, not the one in its grace period")

		_, err = p.RevealSecret(ctx, "globex", ep.ID)
		require.ErrorIs(t, err, endpoints.ErrUnknownEndpoint)
		_, err = p.RevealSecret(ctx, "acme", "ep_nope")
		require.ErrorIs(t, err, endpoints.ErrUnknownEndpoint)
	})
}

func TestSendTestReachesOnlyThatEndpoint(t *testing.T) {
	t.Parallel()
	eachEndpointsDB(t, nil, func(t *testing.T, env *epEnv) {
		ctx := context.Background()
		p := env.e.(portalAPI)
		rc := newReceivers(t, env.clock)
		for _, app := range []string{"acme", "globex"} {
			_, err := env.e.CreateApplication(ctx, app, app)
			require.NoError(t, err)
		}
		target := addEndpoint(t, env, rc, "acme", "/target", []string{"customer.created"})
		addEndpoint(t, env, rc, "acme", "/other", nil)
		env.start(t)

		// Outside its filter, and only to it.
		res, err := p.SendTest(ctx, "acme", target.ID, "invoice.paid", []byte(`{"amount":1}`))
		require.NoError(t, err)
		assert.Equal(t, 1, res.Deliveries)
		require.True(t, strings.HasPrefix(res.MessageID, "msg_"))
		env.waitDelivery(t, "acme", target.ID, res.MessageID, durable.StateDone)
		assert.Equal(t, []string{res.MessageID}, rc.ids("/target"))
		assert.Empty(t, rc.ids("/other"))
		m, err := p.FindMessage(ctx, "acme", res.MessageID)
		require.NoError(t, err)
		assert.Equal(t, "invoice.paid", m.EventType)
		assert.Equal(t, endpoints.MessageDelivered, m.Status)

		_, err = p.SendTest(ctx, "globex", target.ID, "invoice.paid", []byte(`{}`))
		require.ErrorIs(t, err, endpoints.ErrUnknownEndpoint)
		_, err = p.SendTest(ctx, "acme", target.ID, "bad type", []byte(`{}`))
		require.ErrorIs(t, err, endpoints.ErrInvalidField)
		_, err = p.SendTest(ctx, "acme", target.ID, "invoice.paid", []byte(`{`))
		require.ErrorIs(t, err, endpoints.ErrInvalidField)
		_, err = p.FindMessage(ctx, "globex", res.MessageID)
		require.ErrorIs(t, err, endpoints.ErrUnknownMessage)
	})
}

func TestFindMessagesFilters(t *testing.T) {
	t.Parallel()
	eachEndpointsDB(t, &endpoints.Options{Retry: testRetry(1, time.Millisecond)}, func(t *testing.T, env *epEnv) {
		ctx := context.Background()
		p := env.e.(portalAPI)
		rc := newReceivers(t, env.clock)
		for _, app := range []string{"acme", "globex"} {
			_, err := env.e.CreateApplication(ctx, app, app)
			require.NoError(t, err)
		}
		ok := addEndpoint(t, env, rc, "acme", "/ok", []string{"invoice.*"})
		bad := addEndpoint(t, env, rc, "acme", "/bad", []string{"customer.created"})
		rc.setStatus("/bad", 500)
		addEndpoint(t, env, rc, "globex", "/globex", nil)
		t0 := env.clock.Now()
		publish := func(app, typ, id string) {
			_, err := env.e.Publish(ctx, app, typ, []byte(`{}`), id)
			require.NoError(t, err)
			env.clock.Advance(time.Minute)
		}
		publish("acme", "invoice.paid", "m1")
		publish("acme", "invoice.paid_late", "m2")
		publish("acme", "customer.created", "m3")
		publish("acme", "nobody.listens", "m4")
		publish("globex", "invoice.paid", "g1")
		env.start(t)
		env.waitDelivery(t, "acme", ok.ID, "m1", durable.StateDone)
		env.waitDelivery(t, "acme", ok.ID, "m2", durable.StateDone)
		env.waitDelivery(t, "acme", bad.ID, "m3", durable.StateDead)

		ids := func(q endpoints.MessageQuery) []string {
			t.Helper()
			page, err := p.FindMessages(ctx, "acme", q, "", 0)
			require.NoError(t, err)
			var out []string
			for _, m := range page.Items {
				out = append(out, m.ID+":"+m.Status)
			}
			return out
		}
		tests := []struct {
			name string
			q    endpoints.MessageQuery
			want []string
		}{
			{"all", endpoints.MessageQuery{}, []string{"m4:pending", "m3:failing", "m2:delivered", "m1:delivered"}},
			{"exact type", endpoints.MessageQuery{EventType: "invoice.paid"}, []string{"m1:delivered"}},
			{"prefix, '_' literal", endpoints.MessageQuery{EventType: "invoice.*"}, []string{"m2:delivered", "m1:delivered"}},
			{"failing", endpoints.MessageQuery{Status: endpoints.MessageFailing}, []string{"m3:failing"}},
			{"pending", endpoints.MessageQuery{Status: endpoints.MessagePending}, []string{"m4:pending"}},
			{"delivered", endpoints.MessageQuery{Status: endpoints.MessageDelivered}, []string{"m2:delivered", "m1:delivered"}},
			{"since", endpoints.MessageQuery{Since: t0.Add(2 * time.Minute)}, []string{"m4:pending", "m3:failing"}},
			{"until", endpoints.MessageQuery{Until: t0.Add(time.Minute)}, []string{"m1:delivered"}},
		}
		for _, tc := range tests {
			assert.Equal(t, tc.want, ids(tc.q), tc.name)
		}

		page, err := p.FindMessages(ctx, "acme", endpoints.MessageQuery{}, "", 3)
		require.NoError(t, err)
		require.Len(t, page.Items, 3)
		page, err = p.FindMessages(ctx, "acme", endpoints.MessageQuery{}, page.Next, 3)
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		assert.Equal(t, "m1", page.Items[0].ID)

		for _, q := range []endpoints.MessageQuery{{Status: "lost"}, {EventType: "a b"}, {EventType: "*"}} {
			_, err := p.FindMessages(ctx, "acme", q, "", 0)
			require.ErrorIs(t, err, endpoints.ErrInvalidField, "%+v", q)
		}
		_, err = p.FindMessages(ctx, "nobody", endpoints.MessageQuery{}, "", 0)
		require.ErrorIs(t, err, endpoints.ErrUnknownApplication)
	})
}
