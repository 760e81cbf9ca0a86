// Package compattest holds what the upgrade tests of package durable and
// of package endpoints share (their test files cannot share code).
package compattest

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	webhook "github.com/signedhooks/webhook"
)

// Receiver verifies the deliveries of an upgraded database: the outbox's
// (any path but /acme) with outboxSecret, and the endpoint's (/acme...)
// with its secret. It keeps each id's body and signed time, and counts the
// requests that did not verify.
type Receiver struct {
	*httptest.Server
	mu     sync.Mutex
	bodies map[string]string
	signed map[string]int64
	bad    int
}

// NewReceiver starts a Receiver, closed when t ends. endpointSecret is a
// "whsec_" secret.
func NewReceiver(t testing.TB, outboxSecret []byte, endpointSecret string) *Receiver {
	key, err := webhook.ParseSecret(endpointSecret)
	require.NoError(t, err)
	outbox, err := webhook.NewVerifier(outboxSecret, nil)
	require.NoError(t, err)
	endpoint, err := webhook.NewVerifier(key, nil)
	require.NoError(t, err)
	rc := &Receiver{bodies: map[string]string{}, signed: map[string]int64{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := outbox
		if strings.HasPrefix(r.URL.Path, "/acme") {
			v = endpoint
		}
		body, err := v.VerifyRequest(r)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if err != nil {
			rc.bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		id := r.Header.Get(webhook.IDHeader)
		rc.bodies[id] = string(body)
		rc.signed[id], _ = strconv.ParseInt(r.Header.Get(webhook.TimestampHeader), 10, 64)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// Body returns the verified body last received for id ("" if none).
func (rc *Receiver) Body(id string) string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.bodies[id]
}

// Signed returns the signed time (Unix seconds) of the request last
// received for id (0 if none).
func (rc *Receiver) Signed(id string) int64 {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.signed[id]
}

// Bad returns how many requests did not verify.
func (rc *Receiver) Bad() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.bad
}
