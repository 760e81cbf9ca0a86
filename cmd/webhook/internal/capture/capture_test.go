package capture

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/signedhooks/webhook"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCapture(t *testing.T) {
	t.Parallel()
	tampered := func(t *testing.T) *http.Request {
		r := signedRequest(t, "msg_1", `{"event":"a"}`)
		r.Body = nopCloser{bytesReader(`{"event":"b"}`)}
		return r
	}
	tests := []struct {
		name       string
		secret     bool
		req        func(t *testing.T) *http.Request
		wantStatus int
		verdict    string
		reason     error
		encoding   string
		body       string
		pretty     string
	}{
		{
			name: "valid", secret: true,
			req:        func(t *testing.T) *http.Request { return signedRequest(t, "msg_1", `{"event":"a"}`) },
			wantStatus: http.StatusOK, verdict: VerdictValid, encoding: EncodingText, body: `{"event":"a"}`,
			pretty: "{\n  \"event\": \"a\"\n}",
		},
		{
			name: "tampered", secret: true, req: tampered,
			wantStatus: http.StatusUnauthorized, verdict: VerdictInvalid, reason: webhook.ErrNoMatchingSignature,
			encoding: EncodingText, body: `{"event":"b"}`, pretty: "{\n  \"event\": \"b\"\n}",
		},
		{
			name: "unsigned", secret: true,
			req: func(*testing.T) *http.Request {
				return httptest.NewRequest("POST", "/webhook", strings.NewReader("hi"))
			},
			wantStatus: http.StatusBadRequest, verdict: VerdictInvalid, reason: webhook.ErrMissingSignature,
			encoding: EncodingText, body: "hi",
		},
		{
			name: "no secret",
			req: func(*testing.T) *http.Request {
				return httptest.NewRequest("PUT", "/webhook/sub?q=1", strings.NewReader("plain"))
			},
			wantStatus: http.StatusOK, verdict: VerdictUnchecked, encoding: EncodingText, body: "plain",
		},
		{
			name: "binary body",
			req: func(*testing.T) *http.Request {
				return httptest.NewRequest("POST", "/webhook", strings.NewReader("\xff\xfe"))
			},
			wantStatus: http.StatusOK, verdict: VerdictUnchecked, encoding: EncodingBase64, body: "//4=",
		},
		{
			name: "too large",
			req: func(*testing.T) *http.Request {
				return httptest.NewRequest("POST", "/webhook", strings.NewReader(strings.Repeat("x", 65)))
			},
			wantStatus: http.StatusRequestEntityTooLarge, verdict: VerdictInvalid, reason: webhook.ErrBodyTooLarge,
			encoding: EncodingText, body: strings.Repeat("x", 64),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := &Options{MaxBodyBytes: 64}
			if tc.secret {
				o.Authenticator = testVerifier(t)
			}
			s := newTestServer(t, o)
			w := serve(s, tc.req(t))
			assert.Equal(t, tc.wantStatus, w.Code)
			require.Equal(t, 1, s.Len())

			w = serve(s, httptest.NewRequest("GET", "/history/1", nil))
			require.Equal(t, http.StatusOK, w.Code)
			var d Delivery
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &d))
			assert.Equal(t, tc.verdict, d.Verdict)
			assert.Equal(t, tc.wantStatus, d.Status)
			assert.Equal(t, tc.encoding, d.BodyEncoding)
			if tc.body != "" {
				assert.Equal(t, tc.body, d.Body)
			}
			assert.Equal(t, tc.pretty, d.Pretty)
			if tc.reason != nil {
				assert.True(t, strings.HasPrefix(d.Reason, tc.reason.Error()), d.Reason)
			} else {
				assert.Empty(t, d.Reason)
			}
		})
	}
}

func TestCaptureNeverTellsTheSenderWhy(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &Options{Authenticator: testVerifier(t)})
	r := signedRequest(t, "msg_1", `{}`)
	r.Body = nopCloser{bytesReader(`{"x":1}`)}
	w := serve(s, r)
	require.Equal(t, http.StatusUnauthorized, w.Code)
	assert.JSONEq(t, `{"error":"unauthorized"}`, w.Body.String())
}

func TestCaptureMarksDuplicates(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &Options{Authenticator: testVerifier(t)})
	for _, id := range []string{"msg_a", "msg_b", "msg_a", "msg_a"} {
		require.Equal(t, http.StatusOK, serve(s, signedRequest(t, id, `{}`)).Code)
	}
	var list []Delivery
	w := serve(s, httptest.NewRequest("GET", "/history", nil))
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &list))
	require.Len(t, list, 4)
	got := []int64{list[0].DuplicateOf, list[1].DuplicateOf, list[2].DuplicateOf, list[3].DuplicateOf}
	assert.Equal(t, []int64{0, 0, 1, 1}, got)
}

func TestNewRejectsBadOptions(t *testing.T) {
	t.Parallel()
	for _, o := range []Options{
		{Path: "/"}, {Path: "/history"}, {Path: "/events/"}, {Path: "webhook"}, {Path: "/a?b"},
		{History: -1}, {Forward: "localhost:3000"}, {Forward: "ftp://x/y"},
	} {
		_, err := New(&o)
		assert.Error(t, err, "%+v", o)
	}
}

func TestServerRoutes(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	tests := []struct {
		method, path string
		status       int
		ctype        string
	}{
		{"GET", "/", 200, "text/html; charset=utf-8"},
		{"GET", "/app.js", 200, "text/javascript; charset=utf-8"},
		{"GET", "/app.css", 200, "text/css; charset=utf-8"},
		{"GET", "/history", 200, "application/json"},
		{"GET", "/history/1", 404, "application/json"},
		{"GET", "/history/x", 400, "application/json"},
		{"GET", "/nope", 404, "text/plain; charset=utf-8"},
		{"POST", "/history", 405, "text/plain; charset=utf-8"},
		{"HEAD", "/events", 200, "text/event-stream"},
	}
	for _, tc := range tests {
		t.Run(tc.method+tc.path, func(t *testing.T) {
			t.Parallel()
			w := serve(s, httptest.NewRequest(tc.method, tc.path, nil))
			assert.Equal(t, tc.status, w.Code)
			assert.Equal(t, tc.ctype, w.Header().Get("Content-Type"))
		})
	}
}

func TestHostsAllowedToReadTheHistory(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &Options{AllowedHosts: []string{"hooks.example.test"}})
	tests := []struct {
		host, path string
		status     int
	}{
		{"127.0.0.1:8787", "/history", 200},
		{"[::1]:8787", "/history", 200},
		{"localhost:8787", "/", 200},
		{"app.localhost", "/history", 200},
		{"hooks.example.test:443", "/history", 200},
		{"attacker.example:8787", "/history", 403},
		{"attacker.example", "/", 403},
		{"attacker.example", "/events", 403},
		{"attacker.example", "/webhook", 200}, // capture accepts any host
	}
	for _, tc := range tests {
		t.Run(tc.host+tc.path, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", tc.path, nil)
			r.Host = tc.host
			if tc.path == "/events" {
				ctx, cancel := context.WithCancel(r.Context())
				cancel() // a stream that is allowed would end at once
				r = r.WithContext(ctx)
			}
			assert.Equal(t, tc.status, serve(s, r).Code)
		})
	}
}
