package webhook_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
)

// TestSendSameIDFreshSignature plays the consumer: every attempt is verified
// with a Verifier, carries the same id and a new signature, and the message
// is processed once. The middleware's own deduplication is tested with the
// middleware.
func TestSendSameIDFreshSignature(t *testing.T) {
	t.Parallel()
	clock := newSenderClock()
	v, err := webhook.NewVerifier(senderSecret, &webhook.VerifierOptions{Now: clock.Now})
	require.NoError(t, err)
	var mu sync.Mutex
	var ids, sigs []string
	processed := map[string]int{}
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		body, err := v.VerifyRequest(r)
		if !assert.NoError(t, err) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		ids = append(ids, r.Header.Get(webhook.IDHeader))
		sigs = append(sigs, r.Header.Get(webhook.SignatureHeader))
		if len(ids) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		processed[r.Header.Get(webhook.IDHeader)]++
		assert.Equal(t, `{"id":"wh_001","event":"payment.succeeded","data":{"id":"pay_123"}}`, string(body), "the envelope, id first, byte for byte")
		w.WriteHeader(http.StatusOK)
	})
	// Rand 0: the retries come at once, within the same second.
	s := newTestSender(t, clock, webhook.SenderOptions{Retry: webhook.Backoff{Rand: constRand(0)}})
	rep, err := s.Send(context.Background(), srv.URL, webhook.Message{
		ID:   "wh_001",
		Type: "payment.succeeded",
		Data: map[string]string{"id": "pay_123"},
	})
	require.NoError(t, err)
	assert.Equal(t, webhook.Delivered, rep.Outcome)
	assert.Equal(t, []string{"wh_001", "wh_001", "wh_001"}, ids)
	require.Len(t, sigs, 3)
	assert.NotEqual(t, sigs[0], sigs[1])
	assert.NotEqual(t, sigs[1], sigs[2])
	assert.NotEqual(t, sigs[0], sigs[2])
	assert.Equal(t, map[string]int{"wh_001": 1}, processed)
}

func TestSendGeneratesStableID(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var ids []string
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ids = append(ids, r.Header.Get(webhook.IDHeader))
		n := len(ids)
		mu.Unlock()
		if n == 1 {
			w.WriteHeader(http.StatusBadGateway)
		}
	})
	s := newTestSender(t, newSenderClock(), webhook.SenderOptions{})
	rep, err := s.Send(context.Background(), srv.URL, msg(`{}`))
	require.NoError(t, err)
	require.Len(t, ids, 2)
	assert.True(t, strings.HasPrefix(ids[0], "msg_"))
	assert.Equal(t, ids[0], ids[1])
	assert.Equal(t, ids[0], rep.MessageID)
}
