package webhook_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/githubsig"
	"github.com/signedhooks/webhook/standardwebhooks"
	"github.com/signedhooks/webhook/stripesig"
	"github.com/signedhooks/webhook/webhooktest"
)

// One service receives the native format, Standard Webhooks (HMAC and
// ed25519), Stripe and GitHub deliveries, each on its own route, through the
// same middleware, store and Mux. Each scheme's id and type reach the
// handler, from the scheme's own payload shape and from the Sender's
// envelope; webhooktest's hard cases (replays, a retry, stale, future and
// tampered requests, equal bodies) are answered as documented and each
// message runs its handler once.
func TestEverySchemeThroughOneMiddleware(t *testing.T) {
	t.Parallel()
	const (
		nativeSecret = "native-secret-0123456789"
		swSecret     = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		swPrivate    = "whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg=="
		swPublic     = "whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4="
		stripeSecret = "whsec_plAC3bBEVyAf8kF1cLcJeEXyW8nyvNBs"
		githubSecret = "It's a Secret to Everybody"
	)
	now := time.Now()

	native, err := webhook.NewVerifier([]byte(nativeSecret), nil)
	require.NoError(t, err)
	standard, err := standardwebhooks.NewVerifier([]string{swSecret, swPublic}, nil)
	require.NoError(t, err)
	stripe, err := stripesig.NewVerifier([]string{stripeSecret}, nil)
	require.NoError(t, err)
	github, err := githubsig.NewVerifier([]string{githubSecret}, nil)
	require.NoError(t, err)

	store, err := webhook.NewMemoryStore(nil)
	require.NoError(t, err)
	var mu sync.Mutex
	seen := map[string]string{}  // type -> id
	ran := map[string][]string{} // type -> ids, one per run
	mux := webhook.NewMux(nil)
	for _, typ := range []string{"order.created", "invoice.paid", "invoice.voided", "payment_intent.succeeded", "push"} {
		mux.HandleFunc(typ, func(_ context.Context, ev webhook.Event) error {
			mu.Lock()
			defer mu.Unlock()
			seen[ev.Type] = ev.ID
			ran[ev.Type] = append(ran[ev.Type], ev.ID)
			return nil
		})
	}
	opts := &webhook.MiddlewareOptions{Store: store}
	handlers := map[string]http.Handler{
		"/webhooks/native":   webhook.Middleware(native, opts)(mux),
		"/webhooks/standard": webhook.Middleware(standard, opts)(mux),
		"/webhooks/stripe":   webhook.Middleware(stripe, opts)(mux),
		"/webhooks/github":   webhook.Middleware(github, opts)(mux),
	}
	routes := http.NewServeMux()
	for path, h := range handlers {
		routes.Handle(path, h)
	}

	swHMAC, err := standardwebhooks.NewSigner([]string{swSecret}, nil)
	require.NoError(t, err)
	swEd25519, err := standardwebhooks.NewSigner([]string{swPrivate}, nil)
	require.NoError(t, err)
	nativeSigner, err := webhook.NewSigner([]byte(nativeSecret), nil)
	require.NoError(t, err)

	tests := []struct {
		name, path, body, wantID, wantType string
		sign                               func(h http.Header, body []byte, now time.Time)
		signer                             webhook.HeaderSigner // the same scheme, for webhooktest
	}{
		{"native", "/webhooks/native", `{"event":"order.created"}`, "msg_native", "order.created",
			func(h http.Header, body []byte, now time.Time) {
				require.NoError(t, nativeSigner.SignHeaders(h, "msg_native", now, body))
			}, nativeSigner},
		{"standard webhooks v1", "/webhooks/standard", `{"type":"invoice.paid"}`, "msg_hmac", "invoice.paid",
			func(h http.Header, body []byte, now time.Time) {
				require.NoError(t, swHMAC.SignHeaders(h, "msg_hmac", now, body))
			}, swHMAC},
		{"standard webhooks v1a", "/webhooks/standard", `{"type":"invoice.voided"}`, "msg_ed25519", "invoice.voided",
			func(h http.Header, body []byte, now time.Time) {
				require.NoError(t, swEd25519.SignHeaders(h, "msg_ed25519", now, body))
			}, swEd25519},
		{"stripe", "/webhooks/stripe", `{"id":"evt_1","object":"event","type":"payment_intent.succeeded"}`, "evt_1", "payment_intent.succeeded",
			func(h http.Header, body []byte, now time.Time) {
				h.Set("Stripe-Signature", stripesig.Sign([]string{stripeSecret}, now, body))
			}, webhooktest.Stripe(stripeSecret)},
		{"github", "/webhooks/github", `{"ref":"refs/heads/main"}`, "72d3162e-cc78-11e3-81ab-4c9367dc0958", "push",
			func(h http.Header, body []byte, now time.Time) {
				h.Set("X-Hub-Signature-256", githubsig.Sign(githubSecret, body))
				h.Set("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
				h.Set("X-GitHub-Event", "push")
			}, webhooktest.GitHub(githubSecret)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			send := func(body string, h http.Header) *httptest.ResponseRecorder {
				r := httptest.NewRequest(http.MethodPost, tc.path, strings.NewReader(body))
				r.Header = h.Clone()
				w := httptest.NewRecorder()
				routes.ServeHTTP(w, r)
				return w
			}
			h := http.Header{}
			tc.sign(h, []byte(tc.body), now)

			w := send(tc.body, h)
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			assert.Equal(t, "ok", schemeStatus(t, w))
			mu.Lock()
			assert.Equal(t, tc.wantID, seen[tc.wantType])
			mu.Unlock()

			// The Sender's envelope, then the hard cases, on the same route.
			rep := webhooktest.Provider{Signer: tc.signer}.Deliver(handlers[tc.path],
				webhook.Message{Type: tc.wantType, Data: map[string]string{"scheme": tc.name}})
			mu.Lock()
			got := append([]string(nil), ran[tc.wantType]...)
			mu.Unlock()
			require.NoError(t, rep.Check(got))
			assert.Len(t, got, 3, "the payload above and the two messages of the hard cases")
			assert.Equal(t, http.StatusUnauthorized, rep.Case(webhooktest.CaseTampered).Status)
			if tc.name != "github" { // GitHub signs no timestamp: a retry is byte-identical
				assert.Equal(t, http.StatusOK, rep.Case(webhooktest.CaseRetry).Status, "retry with a fresh signature")
				assert.Equal(t, http.StatusUnauthorized, rep.Case(webhooktest.CaseStale).Status)
			}
		})
	}
}

func schemeStatus(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var m map[string]string
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &m), w.Body.String())
	return m["status"]
}

// Every scheme plugs into the middleware; Standard Webhooks also into the
// Sender.
var (
	_ webhook.Authenticator = (*standardwebhooks.Verifier)(nil)
	_ webhook.Authenticator = (*stripesig.Verifier)(nil)
	_ webhook.Authenticator = (*githubsig.Verifier)(nil)
	_ webhook.HeaderSigner  = (*standardwebhooks.Signer)(nil)
)
