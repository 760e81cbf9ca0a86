package main

import (
	"bytes"
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

func TestSender(t *testing.T) {
	t.Parallel()
	secret := []byte("reference-sender-secret!")
	v, err := webhook.NewVerifier(secret, nil)
	require.NoError(t, err)
	signer, err := webhook.NewSigner(secret, nil)
	require.NoError(t, err)

	var types []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := v.VerifyRequest(r)
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var e struct{ Event string }
		_ = json.Unmarshal(body, &e)
		types = append(types, e.Event)
	}))
	defer srv.Close()

	var out bytes.Buffer
	assert.Zero(t, run(context.Background(), signer, srv.URL, &out))
	assert.Equal(t, []string{"payment.succeeded", "user.created", "invalid.event"}, types)
	assert.Equal(t, "Sent payment.succeeded: HTTP 200\nSent user.created: HTTP 200\nSent invalid.event: HTTP 200\n", out.String())

	// A consumer with another secret accepts nothing: every send counts as failed.
	other, err := webhook.NewSigner([]byte("a-different-secret-key"), nil)
	require.NoError(t, err)
	out.Reset()
	assert.Equal(t, 3, run(context.Background(), other, srv.URL, &out))
	assert.Equal(t, 3, strings.Count(out.String(), "HTTP 401"))
}
