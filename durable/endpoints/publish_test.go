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

func TestPublishFansOutByFilter(t *testing.T) {
	t.Parallel()
	eachEndpointsDB(t, nil, func(t *testing.T, env *epEnv) {
		ctx := context.Background()
		rc := newReceivers(t, env.clock)
		_, err := env.e.CreateApplication(ctx, "acme", "Acme")
		require.NoError(t, err)
		_, err = env.e.CreateApplication(ctx, "globex", "Globex")
		require.NoError(t, err)
		addEndpoint(t, env, rc, "acme", "/all", nil)
		addEndpoint(t, env, rc, "acme", "/exact", []string{"invoice.paid"})
		addEndpoint(t, env, rc, "acme", "/prefix", []string{"invoice.*"})
		addEndpoint(t, env, rc, "acme", "/two", []string{"customer.created", "invoice.paid"})
		off := addEndpoint(t, env, rc, "acme", "/disabled", nil)
		_, err = env.e.DisableEndpoint(ctx, "acme", off.ID)
		require.NoError(t, err)
		addEndpoint(t, env, rc, "globex", "/other-app", nil)

		tests := []struct {
			eventType string
			want      []string
		}{
			{"invoice.paid", []string{"/all", "/exact", "/prefix", "/two"}},
			{"invoice.paid.late", []string{"/all", "/prefix"}},
			{"invoice", []string{"/all"}},
			{"customer.created", []string{"/all", "/two"}},
			{"invoicex.paid", []string{"/all"}},
		}
		env.start(t)
		for _, tc := range tests {
			res, err := env.e.Publish(ctx, "acme", tc.eventType, []byte(`{"type":"`+tc.eventType+`"}`), "msg_"+tc.eventType)
			require.NoError(t, err)
			assert.Equal(t, len(tc.want), res.Deliveries, tc.eventType)
			assert.False(t, res.Duplicate)
		}
		for _, tc := range tests {
			for _, path := range []string{"/all", "/exact", "/prefix", "/two", "/disabled", "/other-app"} {
				want := contains(tc.want, path)
				if want {
					require.Eventually(t, func() bool { return contains(rc.ids(path), "msg_"+tc.eventType) }, 30*time.Second, 10*time.Millisecond,
						"%s should receive %s", path, tc.eventType)
				}
			}
		}
		for _, tc := range tests {
			for _, path := range []string{"/exact", "/prefix", "/two", "/disabled", "/other-app"} {
				assert.Equal(t, contains(tc.want, path), contains(rc.ids(path), "msg_"+tc.eventType), "%s got %s", path, tc.eventType)
			}
		}
	})
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func TestPublishIsIdempotent(t *testing.T) {
	t.Parallel()
	eachEndpointsDB(t, nil, func(t *testing.T, env *epEnv) {
		ctx := context.Background()
		rc := newReceivers(t, env.clock)
		_, err := env.e.CreateApplication(ctx, "acme", "")
		require.NoError(t, err)
		addEndpoint(t, env, rc, "acme", "/a", nil)
		addEndpoint(t, env, rc, "acme", "/b", []string{"order.*"})

		first, err := env.e.Publish(ctx, "acme", "order.created", []byte(`{}`), "msg_1")
		require.NoError(t, err)
		assert.Equal(t, endpoints.PublishResult{MessageID: "msg_1", Deliveries: 2}, first)
		again, err := env.e.Publish(ctx, "acme", "order.created", []byte(`{}`), "msg_1")
		require.NoError(t, err)
		assert.Equal(t, endpoints.PublishResult{MessageID: "msg_1", Duplicate: true}, again)

		// In a transaction: rolled back leaves nothing; committed counts.
		assert.Equal(t, 2, env.publishTx(t, "acme", "order.created", "msg_tx", false).Deliveries)
		assert.Equal(t, 2, env.publishTx(t, "acme", "order.created", "msg_tx", true).Deliveries)
		assert.True(t, env.publishTx(t, "acme", "order.created", "msg_tx", true).Duplicate)

		env.start(t)
		require.Eventually(t, func() bool { return len(rc.ids("/a")) == 2 && len(rc.ids("/b")) == 2 }, 30*time.Second, 10*time.Millisecond)
		time.Sleep(100 * time.Millisecond) // a second delivery would show by now
		assert.ElementsMatch(t, []string{"msg_1", "msg_tx"}, rc.ids("/a"))
		assert.ElementsMatch(t, []string{"msg_1", "msg_tx"}, rc.ids("/b"))

		page, err := env.e.ListMessages(ctx, "acme", "", 0)
		require.NoError(t, err)
		require.Len(t, page.Items, 2)
		assert.Equal(t, "msg_tx", page.Items[0].ID)
	})
}

func TestPublishRejects(t *testing.T) {
	t.Parallel()
	// The limit bounds the body as sent: {"id":"msg_fit","event":"a.b","data":<payload>}
	// is 38 bytes around the payload, which may then take 42.
	env := newSQLiteEndpoints(t, &endpoints.Options{MaxPayloadBytes: 80})
	ctx := context.Background()
	_, err := env.e.CreateApplication(ctx, "acme", "")
	require.NoError(t, err)
	tests := []struct {
		name, app, eventType, payload, id string
		wantErr                           error
	}{
		{"unknown application", "nope", "a.b", "{}", "", endpoints.ErrUnknownApplication},
		{"empty event type", "acme", "", "{}", "", endpoints.ErrInvalidField},
		{"malformed event type", "acme", "a..b", "{}", "", endpoints.ErrInvalidField},
		{"payload not JSON", "acme", "a.b", `{"a":`, "", endpoints.ErrInvalidField},
		{"payload too large", "acme", "a.b", `{"x":"0123456789abcdef"}`, "", durable.ErrPayloadTooLarge},
		{"id too long", "acme", "a.b", "{}", string(make([]byte, 256)), durable.ErrInvalidID},
		{"envelope at the limit", "acme", "a.b", `"` + strings.Repeat("x", 40) + `"`, "msg_fit", nil},
		{"envelope over the limit", "acme", "a.b", `"` + strings.Repeat("x", 41) + `"`, "msg_big", durable.ErrPayloadTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := env.e.Publish(ctx, tc.app, tc.eventType, []byte(tc.payload), tc.id)
			require.ErrorIs(t, err, tc.wantErr)
		})
	}
}

func TestPurgeMessages(t *testing.T) {
	t.Parallel()
	eachEndpointsDB(t, nil, func(t *testing.T, env *epEnv) {
		ctx := context.Background()
		_, err := env.e.CreateApplication(ctx, "acme", "")
		require.NoError(t, err)
		_, err = env.e.Publish(ctx, "acme", "a.b", []byte(`{}`), "msg_old")
		require.NoError(t, err)
		env.clock.Advance(time.Hour)
		_, err = env.e.Publish(ctx, "acme", "a.b", []byte(`{}`), "msg_new")
		require.NoError(t, err)

		n, err := env.e.PurgeMessages(ctx, env.clock.Now().Add(-time.Minute))
		require.NoError(t, err)
		assert.Equal(t, int64(1), n)
		page, err := env.e.ListMessages(ctx, "acme", "", 0)
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		assert.Equal(t, "msg_new", page.Items[0].ID)
		assert.JSONEq(t, `{}`, string(page.Items[0].Payload))
	})
}
