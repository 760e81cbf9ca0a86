package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
)

var (
	mwSecret   = []byte("middleware-test-secret-0123456789")
	otherKey   = []byte("some-other-secret-abcdefghijklmno")
	mwNow      = time.Unix(1_750_000_000, 0)
	eventBody  = `{"event":"payment.succeeded","data":{"payment":{"id":"pay_1","amount":1200}}}`
	otherBody  = `{"event":"payment.succeeded","data":{"payment":{"id":"pay_1","amount":9999}}}`
	errStoreUp = errors.New("store: connection refused")
)

// fixture is a verifier and a signer sharing a secret, at a fixed time.
type fixture struct {
	t        *testing.T
	signer   *webhook.Signer
	verifier *webhook.Verifier
}

func newFixture(t *testing.T, vopts *webhook.VerifierOptions) *fixture {
	t.Helper()
	if vopts == nil {
		vopts = &webhook.VerifierOptions{}
	}
	o := *vopts
	o.Now = func() time.Time { return mwNow }
	v, err := webhook.NewVerifier(mwSecret, &o)
	require.NoError(t, err)
	s, err := webhook.NewSigner(mwSecret, nil)
	require.NoError(t, err)
	return &fixture{t: t, signer: s, verifier: v}
}

// request returns a delivery of body with id, signed at ts.
func (f *fixture) request(body, id string, ts time.Time) *http.Request {
	f.t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(body))
	require.NoError(f.t, f.signer.SignHeaders(r.Header, id, ts, []byte(body)))
	if id == "" {
		r.Header.Del(webhook.IDHeader)
	}
	return r
}

// recorder collects the outcomes reported to the hook.
type recorder struct {
	mu       sync.Mutex
	outcomes []webhook.Outcome
}

func (r *recorder) hook(_ context.Context, o webhook.Outcome) {
	r.mu.Lock()
	r.outcomes = append(r.outcomes, o)
	r.mu.Unlock()
}

func (r *recorder) last(t *testing.T) webhook.Outcome {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	require.NotEmpty(t, r.outcomes, "the hook was not called")
	return r.outcomes[len(r.outcomes)-1]
}

// counting is a next handler that counts its runs and answers status.
type counting struct {
	mu     sync.Mutex
	runs   int
	bodies []string
	events []webhook.Event
	status int
}

func (c *counting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	ev, _ := webhook.EventFromContext(r.Context())
	c.mu.Lock()
	c.runs++
	c.bodies = append(c.bodies, string(b))
	c.events = append(c.events, ev)
	status := c.status
	c.mu.Unlock()
	if status != 0 {
		w.WriteHeader(status)
	}
}

func (c *counting) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.runs
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// jsonBody decodes a {"field":"value"} response.
func jsonBody(t *testing.T, rec *httptest.ResponseRecorder) map[string]string {
	t.Helper()
	require.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	var m map[string]string
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &m), "body %q", rec.Body.String())
	return m
}

// errorJSON is the body the middleware and the Mux answer by default for an
// error code: the [webhook.ErrorResponse] that [webhook.WriteError] writes,
// message included.
func errorJSON(code string) string {
	rec := httptest.NewRecorder()
	webhook.WriteError(rec, http.StatusTeapot, webhook.ErrorResponse{Code: code})
	return rec.Body.String()
}

// errorMap is errorJSON decoded, as jsonBody returns it.
func errorMap(t *testing.T, code string) map[string]string {
	t.Helper()
	var m map[string]string
	require.NoError(t, json.Unmarshal([]byte(errorJSON(code)), &m))
	require.NotEmpty(t, m["message"], "code %s has a message", code)
	return m
}

// failingStore is a Store whose every call fails, or whose Claim answers a
// fixed result.
type failingStore struct {
	claimErr    error
	claimResult webhook.ClaimResult
	doneErr     error
	inner       webhook.Store
}

func (s *failingStore) Claim(ctx context.Context, req webhook.ClaimRequest) (webhook.ClaimResult, error) {
	if s.inner != nil {
		return s.inner.Claim(ctx, req)
	}
	return s.claimResult, s.claimErr
}

func (s *failingStore) Complete(context.Context, string, string, time.Duration) error {
	return s.doneErr
}

func (s *failingStore) Release(context.Context, string, string) error { return s.doneErr }

func (s *failingStore) Extend(context.Context, string, string, time.Duration) error {
	return s.doneErr
}
