package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
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
	var got []string // "<event> id=<id header>" per delivery
	var data []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := v.VerifyRequest(r)
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		// What the reference consumer reads: "event" (or "type") and the
		// id header.
		var e struct {
			ID    string
			Event string
			Data  json.RawMessage
		}
		assert.NoError(t, json.Unmarshal(body, &e))
		// The id is in the signed body too, not only in the header.
		assert.Equal(t, r.Header.Get(webhook.IDHeader), e.ID)
		mu.Lock()
		got = append(got, e.Event+" id="+r.Header.Get(webhook.IDHeader))
		data = append(data, string(e.Data))
		mu.Unlock()
	}))
	defer srv.Close()

	var out bytes.Buffer
	failed, err := run(context.Background(), signer, referenceRetry, srv.URL, &out)
	require.NoError(t, err)
	assert.Zero(t, failed)
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, 3, out.String())
	require.Len(t, got, 3)
	for i, typ := range []string{"payment.succeeded", "user.created", "invalid.event"} {
		assert.Regexp(t, `^Sent `+regexp.QuoteMeta(typ)+`: HTTP 200 id=msg_[0-9a-z]{26}$`, lines[i])
		// The consumer saw the type and the id the sender printed.
		assert.Equal(t, "Sent "+typ+": HTTP 200 "+got[i][len(typ)+1:], lines[i])
		assert.True(t, strings.HasPrefix(got[i], typ+" id=msg_"), got[i])
	}
	// The reference sender's data, byte for byte.
	assert.Equal(t, []string{
		`{"payment":{"id":"pi_3Mqwerty","amount":49.99,"currency":"USD"},"customer":{"email":"alice@example.com"}}`,
		`{"user":{"email":"bob@example.com","name":"Bob Smith"}}`,
		`{"test":true}`,
	}, data)

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
	assert.Equal(t, 3, strings.Count(out.String(), ": HTTP 200 id=msg_"), out.String())

	// Nobody listening: the error is printed and counted.
	srv.Close()
	out.Reset()
	failed, err = run(context.Background(), signer, webhook.Schedule{}, srv.URL, &out)
	require.NoError(t, err)
	assert.Equal(t, 3, failed)
	assert.Equal(t, 3, strings.Count(out.String(), ": error: "), out.String())
}
