package endpoints_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
)

// TestBadTextIsRefused sends NUL bytes and invalid UTF-8 in every text
// field, path and query value: both backends answer 400 invalid_text (the
// Go API ErrInvalidText), never a database error.
func TestBadTextIsRefused(t *testing.T) {
	t.Parallel()
	eachEndpointsDB(t, nil, func(t *testing.T, env *epEnv) {
		ctx := context.Background()
		h := specChecked(t, env.e.Handler(nil))
		_, err := env.e.CreateApplication(ctx, "acme", "")
		require.NoError(t, err)
		ep, _, err := env.e.CreateEndpoint(ctx, "acme", endpoints.Input{URL: "https://example.com/hook"})
		require.NoError(t, err)
		base := "/applications/acme/endpoints/" + ep.ID

		httpCases := []struct{ name, method, path, body string }{
			{"NUL in an application name", "POST", "/applications", `{"id":"acme2","name":"a\u0000b"}`},
			{"NUL in a description", "POST", "/applications/acme/endpoints", `{"url":"https://example.com/","description":"a\u0000"}`},
			{"NUL in a header value", "POST", "/applications/acme/endpoints", `{"url":"https://example.com/","headers":{"X-A":"\u0000"}}`},
			{"NUL in a URL", "POST", "/applications/acme/endpoints", `{"url":"https://example.com/\u0000"}`},
			{"NUL in a patched description", "PATCH", base, `{"description":"\u0000"}`},
			{"NUL in a patched header", "PATCH", base, `{"headers":{"X-A":"a\u0000b"}}`},
			{"NUL in an application id path", "GET", "/applications/a%00b", ``},
			{"invalid UTF-8 in an application id path", "GET", "/applications/%ff/endpoints", ``},
			{"NUL in an endpoint id path", "GET", "/applications/acme/endpoints/ep%00", ``},
			{"invalid UTF-8 in a message id path", "POST", base + "/messages/m%ff%fe/resend", ``},
			{"NUL in a message id path", "GET", "/applications/acme/messages/m%00/attempts", ``},
			{"NUL in a cursor", "GET", "/applications/acme/messages?cursor=%00", ``},
			{"invalid UTF-8 in a query value", "GET", base + "/attempts?message_id=%ff", ``},
			{"invalid UTF-8 in a query key", "GET", base + "/attempts?%c3%28=1", ``},
		}
		for _, tc := range httpCases {
			code, out, raw := call(t, h, tc.method, tc.path, tc.body)
			assert.Equal(t, http.StatusBadRequest, code, "%s: %s", tc.name, raw)
			assert.Equal(t, "invalid_text", out["error"], "%s: %s", tc.name, raw)
		}

		s := func(v string) *string { return &v }
		hdr := func(v string) *map[string]string { return &map[string]string{"X-A": v} }
		goCases := []struct {
			name string
			call func() error
			also error // matched besides ErrInvalidText; ErrInvalidField unless set
		}{
			{"invalid UTF-8 in an application name", func() error { _, err := env.e.CreateApplication(ctx, "acme3", "a\xffb"); return err }, nil},
			{"NUL in an application name", func() error { _, err := env.e.CreateApplication(ctx, "acme4", "\x00"); return err }, nil},
			{"invalid UTF-8 in a description", func() error {
				_, _, err := env.e.CreateEndpoint(ctx, "acme", endpoints.Input{URL: "https://example.com/", Description: "\xc3\x28"})
				return err
			}, nil},
			{"invalid UTF-8 in a header value", func() error {
				_, _, err := env.e.CreateEndpoint(ctx, "acme", endpoints.Input{URL: "https://example.com/", Headers: map[string]string{"X-A": "\xff"}})
				return err
			}, nil},
			{"invalid UTF-8 in a URL", func() error {
				_, _, err := env.e.CreateEndpoint(ctx, "acme", endpoints.Input{URL: "https://example.com/\xff"})
				return err
			}, durable.ErrInvalidURL},
			{"invalid UTF-8 in a patched description", func() error {
				_, err := env.e.UpdateEndpoint(ctx, "acme", ep.ID, endpoints.Update{Description: s("\xff")})
				return err
			}, nil},
			{"NUL in a patched header", func() error {
				_, err := env.e.UpdateEndpoint(ctx, "acme", ep.ID, endpoints.Update{Headers: hdr("\x00")})
				return err
			}, nil},
			{"invalid UTF-8 in a message id filter", func() error {
				_, err := env.e.ListAttempts(ctx, "acme", endpoints.AttemptFilter{MessageID: "\xff"}, "", 0)
				return err
			}, nil},
		}
		for _, tc := range goCases {
			err := tc.call()
			assert.ErrorIs(t, err, endpoints.ErrInvalidText, tc.name)
			also := tc.also
			if also == nil {
				also = endpoints.ErrInvalidField
			}
			assert.ErrorIs(t, err, also, "%s: callers matching the older sentinel keep working", tc.name)
		}

		// Lookups by an id no backend can store find nothing.
		_, err = env.e.GetApplication(ctx, "a\x00")
		assert.ErrorIs(t, err, endpoints.ErrUnknownApplication)
		_, err = env.e.GetEndpoint(ctx, "acme", "ep\xff")
		assert.ErrorIs(t, err, endpoints.ErrUnknownEndpoint)
		err = env.e.Resend(ctx, "acme", ep.ID, "msg\x00")
		assert.ErrorIs(t, err, endpoints.ErrUnknownMessage)

		got, err := env.e.GetEndpoint(ctx, "acme", ep.ID)
		require.NoError(t, err)
		assert.Empty(t, got.Description, "no refused update changed the endpoint")
		assert.Empty(t, got.Headers)
	})
}

// Publish refuses a message id that neither backend can store, and treats
// an application id that none can hold as unknown, on both backends alike.
func TestPublishBadText(t *testing.T) {
	t.Parallel()
	eachEndpointsDB(t, nil, func(t *testing.T, env *epEnv) {
		ctx := context.Background()
		_, err := env.e.CreateApplication(ctx, "acme", "Acme")
		require.NoError(t, err)
		for _, id := range []string{"msg\x00", "msg\xff"} {
			_, err := env.e.Publish(ctx, "acme", "invoice.paid", []byte(`{}`), id)
			assert.ErrorIs(t, err, endpoints.ErrInvalidText, "%q", id)
		}
		_, err = env.e.Publish(ctx, "ac\x00me", "invoice.paid", []byte(`{}`), "msg_1")
		assert.ErrorIs(t, err, endpoints.ErrUnknownApplication)
	})
}
