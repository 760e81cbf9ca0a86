package compat

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/google/go-github/v74/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	stripewebhook "github.com/stripe/stripe-go/v82/webhook"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/githubsig"
	"github.com/signedhooks/webhook/stripesig"
)

// receiver records what a receiver built with a provider's library saw:
// serve starts an httptest server that answers 200 when check returns nil.
type receiver struct {
	mu  sync.Mutex
	got []string
	err []error
}

func (rc *receiver) serve(t *testing.T, check func(r *http.Request, body []byte) (string, error)) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body)) // for check, to read again
		if err == nil {
			var seen string
			seen, err = check(r, body)
			rc.mu.Lock()
			rc.got = append(rc.got, seen)
			rc.mu.Unlock()
		}
		if err != nil {
			rc.mu.Lock()
			rc.err = append(rc.err, err)
			rc.mu.Unlock()
			http.Error(w, "refused", http.StatusBadRequest)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// A webhook.Sender with a stripesig.Signer delivers what stripe-go's
// ConstructEvent accepts, with the message's id and type where Stripe puts
// them.
func TestSenderStripeSignerStripeGoReceives(t *testing.T) {
	t.Parallel()
	var rc receiver
	url := rc.serve(t, func(r *http.Request, body []byte) (string, error) {
		ev, err := stripewebhook.ConstructEventWithOptions(body, r.Header.Get("Stripe-Signature"), stripeSecret,
			stripewebhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
		return ev.ID + " " + string(ev.Type) + " " + string(ev.Data.Raw), err
	})
	signer, err := stripesig.NewSigner([]string{"whsec_an_older_secret_in_rotation", stripeSecret}, nil)
	require.NoError(t, err)
	sender, err := webhook.NewSender(&webhook.SenderOptions{Signer: signer})
	require.NoError(t, err)
	t.Cleanup(sender.CloseIdleConnections)

	_, err = sender.Send(context.Background(), url, webhook.Message{
		ID: "evt_1", Type: "invoice.paid", Data: map[string]any{"object": map[string]string{"id": "in_1"}},
	})
	require.NoError(t, err)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	assert.Empty(t, rc.err)
	// stripe-go's Data.Raw is data.object.
	assert.Equal(t, []string{`evt_1 invoice.paid {"id":"in_1"}`}, rc.got)
}

// A webhook.Sender with a githubsig.Signer delivers what go-github's
// ValidatePayload accepts, with the message id as X-GitHub-Delivery and its
// type as X-GitHub-Event.
func TestSenderGitHubSignerGoGitHubReceives(t *testing.T) {
	t.Parallel()
	var rc receiver
	url := rc.serve(t, func(r *http.Request, _ []byte) (string, error) {
		payload, err := github.ValidatePayload(r, []byte(githubSecret))
		if err != nil {
			return "", err
		}
		return github.DeliveryID(r) + " " + github.WebHookType(r) + " " + string(payload), nil
	})
	signer, err := githubsig.NewSigner(githubSecret, nil)
	require.NoError(t, err)
	sender, err := webhook.NewSender(&webhook.SenderOptions{Signer: signer})
	require.NoError(t, err)
	t.Cleanup(sender.CloseIdleConnections)

	_, err = sender.Send(context.Background(), url, webhook.Message{ID: "d-1", Type: "ping", Data: map[string]string{"zen": "Keep it logically awesome."}})
	require.NoError(t, err)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	assert.Empty(t, rc.err)
	assert.Equal(t, []string{`d-1 ping {"id":"d-1","event":"ping","data":{"zen":"Keep it logically awesome."}}`}, rc.got)
}
