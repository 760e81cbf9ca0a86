package endpoints_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/signedhooks/webhook/durable/endpoints"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// call sends one request to h and decodes the JSON answer.
func call(t testing.TB, h http.Handler, method, path, body string, hdr ...string) (int, map[string]any, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	if rec.Body.Len() > 0 {
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out), rec.Body.String())
	}
	return rec.Code, out, rec.Body.String()
}

// guardedOptions keeps the guard against private networks on, with only
// the loopback receivers allowed.
func guardedOptions() *endpoints.Options {
	return &endpoints.Options{AllowNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
}

func TestAPIRoutes(t *testing.T) {
	t.Parallel()
	eachEndpointsDB(t, guardedOptions(), func(t *testing.T, env *epEnv) {
		h := specChecked(t, env.e.Handler(nil))
		rc := newReceivers(t, env.clock)

		code, app, _ := call(t, h, "POST", "/applications", `{"id":"acme","name":"Acme"}`)
		require.Equal(t, http.StatusCreated, code)
		assert.Equal(t, "acme", app["id"])
		code, app, _ = call(t, h, "GET", "/applications/acme", "")
		require.Equal(t, http.StatusOK, code)
		assert.Equal(t, "Acme", app["name"])

		code, ep, _ := call(t, h, "POST", "/applications/acme/endpoints",
			`{"url":"`+rc.URL+`/r","filter":["invoice.*","customer.created"],"headers":{"x-customer":"42"},"rate_limit":5,"burst":2}`)
		require.Equal(t, http.StatusCreated, code)
		id := ep["id"].(string)
		secret := ep["secret"].(string)
		assert.True(t, strings.HasPrefix(secret, "whsec_"))
		assert.Equal(t, []any{"customer.created", "invoice.*"}, ep["filter"])
		assert.Equal(t, map[string]any{"X-Customer": "42"}, ep["headers"])
		assert.Equal(t, true, ep["enabled"])
		rc.set("/r", secret, 0)
		base := "/applications/acme/endpoints/" + id

		code, list, raw := call(t, h, "GET", "/applications/acme/endpoints", "")
		require.Equal(t, http.StatusOK, code)
		assert.Len(t, list["items"], 1)
		assert.NotContains(t, raw, "whsec_", "secrets are shown only on create and rotate")
		code, _, raw = call(t, h, "GET", base, "")
		require.Equal(t, http.StatusOK, code)
		assert.NotContains(t, raw, "whsec_")

		code, ep, _ = call(t, h, "PATCH", base, `{"description":"billing","filter":[]}`)
		require.Equal(t, http.StatusOK, code)
		assert.Equal(t, "billing", ep["description"])
		assert.Equal(t, []any{}, ep["filter"])
		assert.Equal(t, map[string]any{"X-Customer": "42"}, ep["headers"], "fields not given are kept")

		code, ep, _ = call(t, h, "POST", base+"/disable", "")
		require.Equal(t, http.StatusOK, code)
		assert.Equal(t, false, ep["enabled"])
		assert.Equal(t, "manual", ep["disabled_reason"])
		code, ep, _ = call(t, h, "POST", base+"/enable", "")
		require.Equal(t, http.StatusOK, code)
		assert.Equal(t, true, ep["enabled"])

		code, rot, _ := call(t, h, "POST", base+"/secret/rotate", `{"grace_seconds":60}`)
		require.Equal(t, http.StatusOK, code)
		assert.True(t, strings.HasPrefix(rot["secret"].(string), "whsec_"))
		assert.NotEqual(t, secret, rot["secret"])
		code, ep, _ = call(t, h, "GET", base, "")
		require.Equal(t, http.StatusOK, code)
		assert.Len(t, ep["secrets"], 2)

		_, err := env.e.Publish(context.Background(), "acme", "invoice.paid", []byte(`{}`), "msg_1")
		require.NoError(t, err)
		code, msgs, _ := call(t, h, "GET", "/applications/acme/messages", "")
		require.Equal(t, http.StatusOK, code)
		require.Len(t, msgs["items"], 1)
		code, _, _ = call(t, h, "GET", base+"/attempts?limit=10&message_id=msg_1", "")
		require.Equal(t, http.StatusOK, code)
		code, _, _ = call(t, h, "GET", "/applications/acme/messages/msg_1/attempts", "")
		require.Equal(t, http.StatusOK, code)
		code, out, _ := call(t, h, "POST", base+"/messages/msg_1/resend", "")
		require.Equal(t, http.StatusAccepted, code)
		assert.Equal(t, "queued", out["status"])
		code, out, _ = call(t, h, "POST", base+"/recover", `{"since":"2020-01-01T00:00:00Z"}`)
		require.Equal(t, http.StatusAccepted, code)
		assert.Equal(t, float64(0), out["recovered"])

		code, _, _ = call(t, h, "DELETE", base, "")
		require.Equal(t, http.StatusNoContent, code)
		code, out, _ = call(t, h, "GET", base, "")
		require.Equal(t, http.StatusNotFound, code)
		assert.Equal(t, "unknown_endpoint", out["error"])
	})
}

func TestAPIRejectsBadInput(t *testing.T) {
	t.Parallel()
	opts := guardedOptions()
	opts.MaxEndpointsPerApplication = 2
	env := newSQLiteEndpoints(t, opts)
	h := specChecked(t, env.e.Handler(nil))
	ctx := context.Background()
	_, err := env.e.CreateApplication(ctx, "acme", "")
	require.NoError(t, err)
	ep, _, err := env.e.CreateEndpoint(ctx, "acme", endpoints.Input{URL: "https://example.com/hook"})
	require.NoError(t, err)
	ep2, _, err := env.e.CreateEndpoint(ctx, "acme", endpoints.Input{URL: "https://example.com/hook2"})
	require.NoError(t, err)
	_, err = env.e.DisableEndpoint(ctx, "acme", ep2.ID)
	require.NoError(t, err)
	_, err = env.e.Publish(ctx, "acme", "a.b", []byte(`{}`), "msg_1")
	require.NoError(t, err)
	base := "/applications/acme/endpoints/" + ep.ID
	create := func(body string) (string, string, string) { return "POST", "/applications/acme/endpoints", body }
	tests := []struct {
		name, method, path, body string
		wantStatus               int
		wantCode                 string
	}{
		{"unknown application", "POST", "/applications/nope/endpoints", `{"url":"https://example.com"}`, 404, "unknown_application"},
		{"unknown application listing", "GET", "/applications/nope/messages", ``, 404, "unknown_application"},
		{"unknown endpoint", "GET", "/applications/acme/endpoints/ep_nope", ``, 404, "unknown_endpoint"},
		{"endpoint of another application", "GET", "/applications/other/endpoints/" + ep.ID, ``, 404, "unknown_endpoint"},
		{"unknown message", "POST", base + "/messages/msg_nope/resend", ``, 404, "unknown_message"},
		{"too many endpoints", "", "", `{"url":"https://example.com/3"}`, 409, "too_many_endpoints"},
		{"duplicate application", "POST", "/applications", `{"id":"acme"}`, 409, "duplicate_application"},
		{"bad application id", "POST", "/applications", `{"id":"a b"}`, 422, "invalid_field"},
		{"ftp URL", "", "", `{"url":"ftp://example.com/x"}`, 422, "invalid_url"},
		{"relative URL", "", "", `{"url":"/hook"}`, 422, "invalid_url"},
		{"URL too long", "", "", `{"url":"https://example.com/` + strings.Repeat("a", 2048) + `"}`, 422, "invalid_url"},
		{"private address", "", "", `{"url":"http://10.0.0.1/hook"}`, 422, "invalid_url"},
		{"metadata address", "", "", `{"url":"http://169.254.169.254/latest"}`, 422, "invalid_url"},
		{"localhost", "", "", `{"url":"http://localhost:8080/"}`, 422, "invalid_url"},
		{"loopback IPv6", "", "", `{"url":"http://[::1]/"}`, 422, "invalid_url"},
		{"filter empty segment", "", "", `{"url":"https://example.com","filter":["invoice..paid"]}`, 422, "invalid_filter"},
		{"filter bare star", "", "", `{"url":"https://example.com","filter":["*"]}`, 422, "invalid_filter"},
		{"filter inner star", "", "", `{"url":"https://example.com","filter":["inv*"]}`, 422, "invalid_filter"},
		{"filter too many", "", "", `{"url":"https://example.com","filter":[` + strings.TrimSuffix(strings.Repeat(`"a",`, 65), ",") + `]}`, 422, "invalid_filter"},
		{"description too long", "", "", `{"url":"https://example.com","description":"` + strings.Repeat("d", 1025) + `"}`, 422, "invalid_field"},
		{"reserved header", "", "", `{"url":"https://example.com","headers":{"X-Webhook-Signature":"t=1"}}`, 422, "invalid_field"},
		{"header with newline", "", "", `{"url":"https://example.com","headers":{"X-A":"a\r\nb: c"}}`, 422, "invalid_field"},
		{"negative rate", "", "", `{"url":"https://example.com","rate_limit":-1}`, 422, "invalid_field"},
		{"not JSON", "", "", `url=x`, 400, "invalid_json"},
		{"unknown field", "", "", `{"url":"https://example.com","sekret":"x"}`, 400, "invalid_json"},
		{"imported secret too short", "", "", `{"url":"https://example.com","secret":"whsec_c2hvcnQ="}`, 422, "invalid_field"},
		{"imported secret not base64", "", "", `{"url":"https://example.com","secret":"whsec_!!!!!!!!!!!!!!!!!!!!!!!!"}`, 422, "invalid_field"},
		{"imported secret too long", "", "", `{"url":"https://example.com","secret":"whsec_` + base64.StdEncoding.EncodeToString(make([]byte, 65)) + `"}`, 422, "invalid_field"},
		{"empty body", "", "", ``, 400, "invalid_json"},
		{"body too large", "", "", `{"description":"` + strings.Repeat("d", 70<<10) + `"}`, 413, "body_too_large"},
		{"patch bad URL", "PATCH", base, `{"url":"gopher://x"}`, 422, "invalid_url"},
		{"patch bad filter", "PATCH", base, `{"filter":["a.*.b"]}`, 422, "invalid_filter"},
		{"malformed cursor", "GET", "/applications/acme/messages?cursor=abc", ``, 422, "invalid_field"},
		{"limit out of range", "GET", "/applications/acme/messages?limit=1000", ``, 422, "invalid_field"},
		{"recover without since", "POST", base + "/recover", `{}`, 422, "invalid_field"},
		{"rotate with negative grace", "POST", base + "/secret/rotate", `{"grace_seconds":-5}`, 422, "invalid_field"},
		{"attempts of unknown endpoint", "GET", "/applications/acme/endpoints/ep_nope/attempts", ``, 404, "unknown_endpoint"},
		{"resend to a disabled endpoint", "POST", "/applications/acme/endpoints/" + ep2.ID + "/messages/msg_1/resend", ``, 409, "endpoint_disabled"},
		{"applications: malformed cursor", "GET", "/applications?cursor=a%20b", ``, 422, "invalid_field"},
		{"applications: limit out of range", "GET", "/applications?limit=0", ``, 422, "invalid_field"},
		{"delete unknown application", "DELETE", "/applications/nope", ``, 404, "unknown_application"},
		{"publish to unknown application", "POST", "/applications/nope/messages", `{"event_type":"a.b","payload":{}}`, 404, "unknown_application"},
		{"publish bad event type", "POST", "/applications/acme/messages", `{"event_type":"a..b","payload":{}}`, 422, "invalid_field"},
		{"publish without payload", "POST", "/applications/acme/messages", `{"event_type":"a.b"}`, 422, "invalid_field"},
		{"publish payload not JSON", "POST", "/applications/acme/messages", `{"event_type":"a.b","payload":x}`, 400, "invalid_json"},
		{"publish unknown field", "POST", "/applications/acme/messages", `{"event_type":"a.b","payload":{},"type":"x"}`, 400, "invalid_json"},
		{"publish NUL in id", "POST", "/applications/acme/messages", `{"event_type":"a.b","payload":{},"id":"m\u0000"}`, 400, "invalid_text"},
		{"publish id too long", "POST", "/applications/acme/messages", `{"event_type":"a.b","payload":{},"id":"` + strings.Repeat("m", 256) + `"}`, 422, "invalid_field"},
		{"publish payload too large", "POST", "/applications/acme/messages", `{"event_type":"a.b","payload":"` + strings.Repeat("p", 1<<20) + `"}`, 413, "body_too_large"},
		{"unknown message", "GET", "/applications/acme/messages/msg_nope", ``, 404, "unknown_message"},
		{"message of unknown application", "GET", "/applications/nope/messages/msg_1", ``, 404, "unknown_message"},
		{"dead letters of unknown application", "GET", "/applications/nope/dead-letters", ``, 404, "unknown_application"},
		{"dead letters of unknown endpoint", "GET", "/applications/acme/dead-letters?endpoint_id=ep_nope", ``, 404, "unknown_endpoint"},
		{"dead letters: malformed cursor", "GET", "/applications/acme/dead-letters?cursor=x", ``, 422, "invalid_field"},
		{"stats of unknown endpoint", "GET", "/applications/acme/endpoints/ep_nope/stats", ``, 404, "unknown_endpoint"},
		{"stats: zero window", "GET", base + "/stats?window_seconds=0", ``, 422, "invalid_field"},
		{"stats: window not a number", "GET", base + "/stats?window_seconds=1h", ``, 422, "invalid_field"},
		{"stats: window over 30 days", "GET", base + "/stats?window_seconds=2592001", ``, 422, "invalid_field"},
		{"unknown route", "GET", "/nope", ``, 404, "unknown_route"},
		{"unknown route below an application", "GET", "/applications/acme/nope", ``, 404, "unknown_route"},
		{"wrong method", "PUT", "/applications", ``, 405, "method_not_allowed"},
		{"wrong method on an endpoint", "POST", base, ``, 405, "method_not_allowed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			method, path := tc.method, tc.path
			if method == "" {
				method, path, _ = create(tc.body)
			}
			code, out, raw := call(t, h, method, path, tc.body)
			assert.Equal(t, tc.wantStatus, code, raw)
			assert.Equal(t, tc.wantCode, out["error"], raw)
			assert.NotEmpty(t, out["message"])
			assert.Len(t, out, 2, "the one error shape, webhook.ErrorResponse: %s", raw)
		})
	}
}

func TestAPIBearerToken(t *testing.T) {
	t.Parallel()
	env := newSQLiteEndpoints(t, nil)
	_, err := env.e.CreateApplication(context.Background(), "acme", "")
	require.NoError(t, err)
	h := specChecked(t, env.e.Handler(&endpoints.APIOptions{BearerToken: "s3cret-token"}), "Authorization", "Bearer s3cret-token")
	tests := []struct {
		name, header string
		want         int
	}{
		{"missing", "", http.StatusUnauthorized},
		{"wrong", "Bearer s3cret-tokeN", http.StatusUnauthorized},
		{"prefix of the token", "Bearer s3cret", http.StatusUnauthorized},
		{"not bearer", "Basic s3cret-token", http.StatusUnauthorized},
		{"no space after the scheme", "Bearers3cret-token", http.StatusUnauthorized},
		{"right", "Bearer s3cret-token", http.StatusOK},
		{"scheme in lower case", "bearer s3cret-token", http.StatusOK},
		{"scheme in upper case", "BEARER s3cret-token", http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, out, _ := call(t, h, "GET", "/applications/acme", "", "Authorization", tc.header)
			assert.Equal(t, tc.want, code)
			if tc.want == http.StatusUnauthorized {
				assert.Equal(t, "unauthorized", out["error"])
			}
		})
	}
}

// TestAPIPaginationIsStable checks that messages published between two
// page requests neither repeat nor hide older messages.
func TestAPIPaginationIsStable(t *testing.T) {
	t.Parallel()
	eachEndpointsDB(t, nil, func(t *testing.T, env *epEnv) {
		ctx := context.Background()
		h := specChecked(t, env.e.Handler(nil))
		_, err := env.e.CreateApplication(ctx, "acme", "")
		require.NoError(t, err)
		publish := func(from, to int) {
			for i := from; i <= to; i++ {
				_, err := env.e.Publish(ctx, "acme", "a.b", []byte(`{}`), fmt.Sprintf("msg_%02d", i))
				require.NoError(t, err)
			}
		}
		page := func(cursor string) ([]string, string) {
			code, out, raw := call(t, h, "GET", "/applications/acme/messages?limit=10&cursor="+cursor, "")
			require.Equal(t, http.StatusOK, code, raw)
			var ids []string
			for _, it := range out["items"].([]any) {
				ids = append(ids, it.(map[string]any)["id"].(string))
			}
			next, _ := out["next"].(string)
			return ids, next
		}
		publish(1, 25)
		var seen []string
		ids, next := page("")
		seen = append(seen, ids...)
		publish(26, 30) // arrive while paging
		for next != "" {
			ids, next = page(next)
			seen = append(seen, ids...)
			publish(31, 31)
		}
		var want []string
		for i := 25; i >= 1; i-- {
			want = append(want, fmt.Sprintf("msg_%02d", i))
		}
		assert.Equal(t, want, seen)
		ids, _ = page("")
		assert.Equal(t, "msg_31", ids[0], "a fresh first page shows the new messages")
	})
}
