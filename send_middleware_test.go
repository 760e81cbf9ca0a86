package webhook_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
)

// TestSendThroughMiddleware: the consumer middleware sees the same id on
// every attempt of a message and the handler processes it once, even when
// the retries come within the same second and the message is sent again.
func TestSendThroughMiddleware(t *testing.T) {
	t.Parallel()
	clock := newSenderClock()
	v, err := webhook.NewVerifier(senderSecret, &webhook.VerifierOptions{Now: clock.Now})
	require.NoError(t, err)
	var mu sync.Mutex
	var ids []string
	var kinds []webhook.OutcomeKind
	calls, processed := 0, 0
	mw := webhook.Middleware(v, &webhook.MiddlewareOptions{
		OnOutcome: func(_ context.Context, o webhook.Outcome) {
			mu.Lock()
			kinds = append(kinds, o.Kind)
			mu.Unlock()
		},
	})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ids = append(ids, r.Header.Get(webhook.IDHeader))
		mu.Unlock()
		mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			calls++
			if calls < 3 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			processed++
		})).ServeHTTP(w, r)
	})
	// Rand 0: every retry comes at once, within the same second.
	s := newTestSender(t, clock, webhook.SenderOptions{Retry: webhook.Backoff{Rand: constRand(0)}})
	m := webhook.Message{ID: "wh_001", Type: "payment.succeeded", Data: map[string]string{"id": "pay_123"}}
	rep, err := s.Send(context.Background(), srv.URL, m)
	require.NoError(t, err)
	assert.Equal(t, []int{503, 503, 200}, attemptStatuses(rep))

	// The provider sends the message again (a manual resend): acknowledged,
	// not processed again.
	clock.Sleep(context.Background(), 5*time.Second)
	rep, err = s.Send(context.Background(), srv.URL, m)
	require.NoError(t, err)
	assert.Equal(t, []int{200}, attemptStatuses(rep))
	assert.JSONEq(t, `{"status":"already_processed"}`, string(rep.Attempts[0].Response))

	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"wh_001", "wh_001", "wh_001", "wh_001"}, ids)
	assert.Equal(t, 1, processed)
	assert.Equal(t, []webhook.OutcomeKind{webhook.OutcomeFailed, webhook.OutcomeFailed, webhook.OutcomeProcessed, webhook.OutcomeDuplicate}, kinds)
}
