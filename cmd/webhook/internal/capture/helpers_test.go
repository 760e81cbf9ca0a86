package capture

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/signedhooks/webhook"
	"github.com/stretchr/testify/require"
)

var (
	testSecret = []byte("0123456789abcdef0123456789abcdef")
	testNow    = time.Unix(1_800_000_000, 0).UTC()
)

func testVerifier(t testing.TB) *webhook.Verifier {
	t.Helper()
	v, err := webhook.NewVerifier(testSecret, &webhook.VerifierOptions{Now: func() time.Time { return testNow }})
	require.NoError(t, err)
	return v
}

func testSigner(t testing.TB) *webhook.Signer {
	t.Helper()
	s, err := webhook.NewSigner(testSecret, &webhook.SignerOptions{Now: func() time.Time { return testNow }})
	require.NoError(t, err)
	return s
}

func newTestServer(t testing.TB, o *Options) *Server {
	t.Helper()
	if o == nil {
		o = &Options{}
	}
	if o.Now == nil {
		o.Now = func() time.Time { return testNow }
	}
	if o.AllowedHosts == nil {
		o.AllowedHosts = []string{"example.com"} // httptest.NewRequest's host
	}
	s, err := New(o)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

// signedRequest returns a POST to /webhook signed with the test secret.
func signedRequest(t testing.TB, id, body string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(body))
	require.NoError(t, testSigner(t).SignRequest(r, id))
	r.Body = nopCloser{bytesReader(body)}
	return r
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

func serve(s http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w
}

func bytesReader(s string) *bytes.Reader { return bytes.NewReader([]byte(s)) }
