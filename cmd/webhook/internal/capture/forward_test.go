package capture

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/signedhooks/webhook"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestForward(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		localStatus int
		tamper      bool
		wantStatus  int
		wantRelayed bool
	}{
		{name: "verified is relayed", localStatus: http.StatusOK, wantStatus: http.StatusOK, wantRelayed: true},
		{name: "local status is passed back", localStatus: http.StatusServiceUnavailable, wantStatus: http.StatusServiceUnavailable, wantRelayed: true},
		{name: "invalid is not relayed", localStatus: http.StatusOK, tamper: true, wantStatus: http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var got []*http.Request
			var gotBody []string
			local := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				got, gotBody = append(got, r), append(gotBody, string(b))
				mu.Unlock()
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				w.WriteHeader(tc.localStatus)
				_, _ = io.WriteString(w, "local says \xff")
			}))
			t.Cleanup(local.Close)

			s := newTestServer(t, &Options{Authenticator: testVerifier(t), Forward: local.URL + "/hooks"})
			r := signedRequest(t, "msg_fwd", `{"event":"x"}`)
			sig := r.Header.Get(webhook.SignatureHeader)
			if tc.tamper {
				r.Body = nopCloser{bytesReader(`{"event":"y"}`)}
			}
			w := serve(s, r)
			assert.Equal(t, tc.wantStatus, w.Code)

			mu.Lock()
			defer mu.Unlock()
			if !tc.wantRelayed {
				assert.Empty(t, got)
				return
			}
			require.Len(t, got, 1)
			assert.Equal(t, "/hooks", got[0].URL.Path)
			assert.Equal(t, sig, got[0].Header.Get(webhook.SignatureHeader), "original headers are relayed")
			assert.Equal(t, "msg_fwd", got[0].Header.Get(webhook.IDHeader))
			assert.Equal(t, `{"event":"x"}`, gotBody[0], "the raw body is relayed, not the pretty one")

			var d Delivery
			require.NoError(t, json.Unmarshal(serve(s, httptest.NewRequest("GET", "/history/1", nil)).Body.Bytes(), &d))
			require.NotNil(t, d.Forward)
			assert.Equal(t, tc.localStatus, d.Forward.Status)
			assert.Equal(t, EncodingBase64, d.Forward.BodyEncoding, "the answer is not UTF-8")
			assert.Equal(t, "bG9jYWwgc2F5cyD/", d.Forward.Body)
			assert.Equal(t, "local says \xff", w.Body.String(), "the sender gets the local answer")
			assert.Equal(t, "text/plain; charset=utf-8", w.Header().Get("Content-Type"))
		})
	}
}

func TestForwardUnreachable(t *testing.T) {
	t.Parallel()
	local := httptest.NewServer(http.NotFoundHandler())
	url := local.URL
	local.Close() // nothing listens there now

	var log strings.Builder
	s := newTestServer(t, &Options{Forward: url, Log: &log, Quiet: true})
	w := serve(s, httptest.NewRequest("POST", "/webhook", strings.NewReader("{}")))
	assert.Equal(t, http.StatusBadGateway, w.Code)
	assert.Contains(t, log.String(), "forward failed")
}

func TestForwardKeepsTheStartOfALargeAnswer(t *testing.T) {
	t.Parallel()
	local := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, strings.Repeat("a", MaxForwardBody+10))
	}))
	t.Cleanup(local.Close)
	s := newTestServer(t, &Options{Forward: local.URL})
	w := serve(s, httptest.NewRequest("POST", "/webhook", strings.NewReader("{}")))
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, MaxForwardBody, w.Body.Len())
	s.mu.Lock()
	f := s.hist.get(1).d.Forward
	s.mu.Unlock()
	assert.True(t, f.Truncated)
	assert.Len(t, f.Body, MaxForwardBody)
}
