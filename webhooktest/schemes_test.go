package webhooktest_test

import (
	"context"
	"crypto/ed25519"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/githubsig"
	"github.com/signedhooks/webhook/standardwebhooks"
	"github.com/signedhooks/webhook/stripesig"
	"github.com/signedhooks/webhook/webhooktest"
)

const (
	nativeSecret = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	stripeSecret = "whsec_plAC3bBEVyAf8kF1cLcJeEXyW8nyvNBs"
	githubSecret = "a-github-secret-of-some-length"
)

// scheme is a signer and the verifier that accepts it.
type scheme struct {
	name   string
	signer webhook.HeaderSigner
	auth   webhook.Authenticator
	timed  bool // signs a timestamp
	idHdr  bool // carries the id in a header
	idSig  bool // signs that header
}

func schemes(t *testing.T) []scheme {
	t.Helper()
	native, err := webhook.ParseSecret(nativeSecret)
	require.NoError(t, err)
	nv, err := webhook.NewVerifier(native, nil)
	require.NoError(t, err)

	swv, err := standardwebhooks.NewVerifier([]string{nativeSecret}, nil)
	require.NoError(t, err)

	priv := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	swa, err := standardwebhooks.NewVerifier([]string{standardwebhooks.FormatPublicKey(priv.Public().(ed25519.PublicKey))}, nil)
	require.NoError(t, err)

	sv, err := stripesig.NewVerifier([]string{stripeSecret}, nil)
	require.NoError(t, err)
	gv, err := githubsig.NewVerifier([]string{githubSecret}, nil)
	require.NoError(t, err)

	return []scheme{
		{"native", webhooktest.Native(nativeSecret), nv, true, true, false},
		{"standard webhooks v1", webhooktest.StandardWebhooks(nativeSecret), swv, true, true, true},
		{"standard webhooks v1a", webhooktest.StandardWebhooks(standardwebhooks.FormatPrivateKey(priv)), swa, true, true, true},
		{"stripe", webhooktest.Stripe(stripeSecret), sv, true, false, false},
		{"github", webhooktest.GitHub(githubSecret), gv, false, true, false},
	}
}

// payment is the data of the test messages.
type payment struct {
	ID     string  `json:"id"`
	Amount float64 `json:"amount"`
}

func paid() webhook.Message {
	return webhook.Message{Type: "payment.succeeded", Data: payment{ID: "pi_1", Amount: 49.99}}
}

// consumer is webhook.Middleware with defaults around a Mux whose handler
// records the id of every event it runs for.
type consumer struct {
	http.Handler
	mu  sync.Mutex
	ran []string
}

func newConsumer(t *testing.T, auth webhook.Authenticator, opts *webhook.MiddlewareOptions) *consumer {
	c := &consumer{}
	mux := webhook.NewMux(nil)
	mux.HandleFunc("payment.succeeded", func(_ context.Context, ev webhook.Event) error {
		p, err := webhook.DecodeData[payment](ev)
		if err != nil {
			return err
		}
		if p.ID != "pi_1" {
			t.Errorf("event %s: data %+v", ev.ID, p)
		}
		c.record(ev.ID)
		return nil
	})
	c.Handler = webhook.Middleware(auth, opts)(mux)
	return c
}

func (c *consumer) record(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ran = append(c.ran, id)
}

func (c *consumer) Ran() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.ran...)
}
