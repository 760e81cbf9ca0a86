package capture

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signedhooks/webhook"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// target is a receiver that records what it gets and verifies it with the
// test secret at testNow+later.
type target struct {
	*httptest.Server
	mu  sync.Mutex
	got []*http.Request
	raw []string
	err []error
}

func newTarget(t *testing.T, later time.Duration) *target {
	t.Helper()
	v, err := webhook.NewVerifier(testSecret, &webhook.VerifierOptions{Now: func() time.Time { return testNow.Add(later) }})
	require.NoError(t, err)
	tg := &target{}
	tg.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_, err := v.Authenticate(r, b)
		tg.mu.Lock()
		tg.got, tg.raw, tg.err = append(tg.got, r), append(tg.raw, string(b)), append(tg.err, err)
		tg.mu.Unlock()
		if err != nil {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	}))
	t.Cleanup(tg.Close)
	return tg
}

func TestReplay(t *testing.T) {
	t.Parallel()
	body := "{ \"event\" : \"invoice.paid\",\n \"data\": {} }"
	tests := []struct {
		name       string
		later      time.Duration // how long after the capture the target checks
		resign     bool
		wantStatus int
		wantErr    error
	}{
		{name: "original headers, soon", later: time.Second, wantStatus: http.StatusOK},
		{name: "original headers, too late", later: time.Hour, wantStatus: http.StatusUnauthorized, wantErr: webhook.ErrTimestampTooOld},
		{name: "re-signed, later", later: time.Hour, resign: true, wantStatus: http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, &Options{Authenticator: testVerifier(t)})
			require.Equal(t, http.StatusOK, serve(s, signedRequest(t, "msg_replay", body)).Code)
			s.mu.Lock()
			d := s.hist.get(1).d
			s.mu.Unlock()

			tg := newTarget(t, tc.later)
			var signer webhook.HeaderSigner
			if tc.resign {
				signer = testSigner(t)
			}
			f, err := Replay(context.Background(), d, tg.URL+"/hook",
				&ReplayOptions{Signer: signer, Now: func() time.Time { return testNow.Add(tc.later) }})
			require.NoError(t, err)
			assert.Equal(t, tc.wantStatus, f.Status)
			tg.mu.Lock()
			defer tg.mu.Unlock()
			require.Len(t, tg.got, 1)
			assert.Equal(t, body, tg.raw[0], "the body goes byte for byte")
			assert.Equal(t, "msg_replay", tg.got[0].Header.Get(webhook.IDHeader), "the message id is kept")
			if tc.wantErr != nil {
				require.ErrorIs(t, tg.err[0], tc.wantErr)
			} else {
				require.NoError(t, tg.err[0])
				assert.Equal(t, `{"status":"ok"}`, f.Body)
			}
			sig := tg.got[0].Header.Get(webhook.SignatureHeader)
			if tc.resign {
				assert.NotEqual(t, d.Header.Get(webhook.SignatureHeader), sig)
			} else {
				assert.Equal(t, d.Header.Get(webhook.SignatureHeader), sig)
			}
		})
	}
}

func TestReplayRefusesBadTargets(t *testing.T) {
	t.Parallel()
	d := &Delivery{Method: "POST", BodyEncoding: EncodingText, Body: "{}"}
	for _, u := range []string{"", "/relative", "ftp://example.com/", "http://", "::"} {
		_, err := Replay(context.Background(), d, u, nil)
		assert.Error(t, err, "%q", u)
	}
}

func TestServeReplay(t *testing.T) {
	t.Parallel()
	tg := newTarget(t, 0)
	s := newTestServer(t, &Options{Authenticator: testVerifier(t), Signer: testSigner(t)})
	require.Equal(t, http.StatusOK, serve(s, signedRequest(t, "msg_page", `{"event":"a"}`)).Code)
	noSigner := newTestServer(t, &Options{Authenticator: testVerifier(t)})
	require.Equal(t, http.StatusOK, serve(noSigner, signedRequest(t, "msg_page", `{"event":"a"}`)).Code)

	post := func(srv *Server, path, ctype, origin, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		return serve(srv, r)
	}
	ok := `{"url":"` + tg.URL + `","resign":true}`
	tests := []struct {
		name   string
		srv    *Server
		path   string
		ctype  string
		origin string
		body   string
		want   int
	}{
		{name: "from the page", srv: s, path: "/history/1/replay", ctype: "application/json", origin: "http://example.com", body: ok, want: http.StatusOK},
		{name: "a form cannot ask", srv: s, path: "/history/1/replay", ctype: "application/x-www-form-urlencoded", body: ok, want: http.StatusForbidden},
		{name: "another origin cannot ask", srv: s, path: "/history/1/replay", ctype: "application/json", origin: "http://evil.test", body: ok, want: http.StatusForbidden},
		{name: "not JSON", srv: s, path: "/history/1/replay", ctype: "application/json", body: "url=x", want: http.StatusBadRequest},
		{name: "bad URL", srv: s, path: "/history/1/replay", ctype: "application/json", body: `{"url":"file:///etc/passwd"}`, want: http.StatusBadRequest},
		{name: "not held", srv: s, path: "/history/9/replay", ctype: "application/json", body: ok, want: http.StatusNotFound},
		{name: "no secret to re-sign with", srv: noSigner, path: "/history/1/replay", ctype: "application/json", body: ok, want: http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := post(tc.srv, tc.path, tc.ctype, tc.origin, tc.body)
			assert.Equal(t, tc.want, w.Code, w.Body.String())
			if tc.want == http.StatusOK {
				var f Forward
				require.NoError(t, json.Unmarshal(w.Body.Bytes(), &f))
				assert.Equal(t, http.StatusOK, f.Status, f.Body)
			}
		})
	}
	t.Run("GET is refused", func(t *testing.T) {
		t.Parallel()
		assert.Equal(t, http.StatusMethodNotAllowed, serve(s, httptest.NewRequest(http.MethodGet, "/history/1/replay", nil)).Code)
	})
}
