package webhook_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
)

// Two customers, each with a secret of its own, behind one host: Senders
// derived from one base sign with their own secret (each customer's
// middleware takes its own deliveries and refuses the other's) and share
// the base's connections.
func TestWithSignerSignsWithItsOwnSecretOverSharedConnections(t *testing.T) {
	secrets := map[string][]byte{
		"/a": []byte("customer A's secret, 32 bytes!!!"),
		"/b": []byte("customer B's secret, 32 bytes!!!"),
	}
	var got atomic.Int64
	mux := http.NewServeMux()
	for path, secret := range secrets {
		v, err := webhook.NewVerifier(secret, nil)
		require.NoError(t, err)
		mux.Handle(path, webhook.Middleware(v, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got.Add(1)
		})))
	}
	srv := newServer(t, mux.ServeHTTP)

	base := newTestSender(t, nil, webhook.SenderOptions{Retry: webhook.Schedule{}})
	derived := map[string]*webhook.Sender{}
	for path, secret := range secrets {
		signer, err := webhook.NewSigner(secret, nil)
		require.NoError(t, err)
		derived[path], err = base.WithSigner(signer)
		require.NoError(t, err)
	}
	ctx := context.Background()
	for i := range 6 {
		path := []string{"/a", "/b"}[i%2]
		r, err := derived[path].Send(ctx, srv.URL+path, webhook.Message{Type: "invoice.paid", Data: map[string]int{"n": i}})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, r.StatusCode())
	}
	require.EqualValues(t, 6, got.Load())
	require.EqualValues(t, 1, srv.conns.Load(), "sequential sends of both Senders reuse one connection")

	// Each signs with its own secret only: A's Sender is refused at B's path.
	r, err := derived["/a"].Send(ctx, srv.URL+"/b", webhook.Message{Type: "invoice.paid", Data: 1})
	require.Error(t, err)
	require.Equal(t, http.StatusUnauthorized, r.StatusCode())
	// The base's own signer is unchanged.
	r, err = base.Send(ctx, srv.URL+"/a", webhook.Message{Type: "invoice.paid", Data: 1})
	require.Error(t, err)
	require.Equal(t, http.StatusUnauthorized, r.StatusCode())
}

// A derived Sender keeps the base's guard against private networks, and
// the envelope's type field follows the new signer.
func TestWithSignerKeepsTheGuardAndFollowsTheSignersTypeField(t *testing.T) {
	var body atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		body.Store(string(b))
	}))
	t.Cleanup(srv.Close)

	guarded := newTestSender(t, nil, webhook.SenderOptions{BlockPrivateNetworks: true, Retry: webhook.Schedule{}})
	signer, err := webhook.NewSigner(senderSecret, nil)
	require.NoError(t, err)
	d, err := guarded.WithSigner(signer)
	require.NoError(t, err)
	_, err = d.Send(context.Background(), srv.URL, webhook.Message{Type: "a.b", Data: 1})
	require.ErrorIs(t, err, webhook.ErrBlockedAddress)

	open := newTestSender(t, nil, webhook.SenderOptions{})
	d, err = open.WithSigner(typeFieldSigner{signer})
	require.NoError(t, err)
	_, err = d.Send(context.Background(), srv.URL, webhook.Message{ID: "msg_1", Type: "a.b", Data: 1})
	require.NoError(t, err)
	require.JSONEq(t, `{"id":"msg_1","kind":"a.b","data":1}`, body.Load().(string))

	_, err = open.WithSigner(nil)
	require.Error(t, err)
}

// typeFieldSigner names the envelope's type field "kind".
type typeFieldSigner struct{ webhook.HeaderSigner }

func (typeFieldSigner) TypeField() string { return "kind" }
