package main

import (
	"bytes"
	"context"
	"encoding/json"
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

func TestSender(t *testing.T) {
	t.Parallel()
	secret := []byte("reference-sender-secret!")
	v, err := webhook.NewVerifier(secret, nil)
	require.NoError(t, err)
	signer, err := webhook.NewSigner(secret, nil)
	require.NoError(t, err)

	var mu sync.Mutex
	var types []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := v.VerifyRequest(r)
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var e struct{ Event string }
		_ = json.Unmarshal(body, &e)
		mu.Lock()
		types = append(types, e.Event)
		mu.Unlock()
	}))
	defer srv.Close()

	var out bytes.Buffer
	failed, err := run(context.Background(), signer, referenceRetry, srv.URL, &out)
	require.NoError(t, err)
	assert.Zero(t, failed)
	assert.Equal(t, []string{"payment.succeeded", "user.created", "invalid.event"}, types)
	assert.Equal(t, "Sent payment.succeeded: HTTP 200\nSent user.created: HTTP 200\nSent invalid.event: HTTP 200\n", out.String())

	// A consumer with another secret accepts nothing: 401 is permanent, so
	// nothing is retried and every send counts as failed.
	other, err := webhook.NewSigner([]byte("a-different-secret-key"), nil)
	require.NoError(t, err)
	out.Reset()
	failed, err = run(context.Background(), other, referenceRetry, srv.URL, &out)
	require.NoError(t, err)
	assert.Equal(t, 3, failed)
	assert.Equal(t, 3, strings.Count(out.String(), "HTTP 401"))
	assert.NotContains(t, out.String(), "retry")
}

func TestSenderRetries(t *testing.T) {
	t.Parallel()
	signer, err := webhook.NewSigner([]byte("reference-sender-secret!"), nil)
	require.NoError(t, err)
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		id := r.Header.Get(webhook.IDHeader)
		seen[id]++
		if seen[id] == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()

	var out bytes.Buffer
	failed, err := run(context.Background(), signer, webhook.Schedule{time.Millisecond}, srv.URL, &out)
	require.NoError(t, err)
	assert.Zero(t, failed)
	assert.Equal(t, 3, strings.Count(out.String(), "(retry 1 after 1ms)"), out.String())
	assert.Equal(t, 3, strings.Count(out.String(), ": HTTP 200\n"), out.String())

	// Nobody listening: the error is printed and counted.
	srv.Close()
	out.Reset()
	failed, err = run(context.Background(), signer, webhook.Schedule{}, srv.URL, &out)
	require.NoError(t, err)
	assert.Equal(t, 3, failed)
	assert.Equal(t, 3, strings.Count(out.String(), ": error: "), out.String())
}
