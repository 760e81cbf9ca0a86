package webhooktest_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/webhooktest"
)

// TestRecorderVerdicts records a genuine delivery, a tampered one, one
// without a signature and one over the size limit, each with its verdict.
func TestRecorderVerdicts(t *testing.T) {
	t.Parallel()
	sc := schemes(t)[0]
	srv := webhooktest.NewServer(sc.auth)
	defer srv.Close()

	genuine := webhooktest.NewRequest(sc.signer, "/", paid())
	body := readBody(t, genuine)
	post := func(h http.Header, b []byte) int {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/hooks", bytes.NewReader(b))
		require.NoError(t, err)
		req.Header = h
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, 200, post(genuine.Header, body))
	assert.Equal(t, 401, post(genuine.Header, append(bytes.Clone(body), ' ')))
	assert.Equal(t, 400, post(http.Header{}, body))
	assert.Equal(t, 413, post(genuine.Header, []byte(strings.Repeat(" ", webhook.DefaultMaxBodyBytes+1))))

	got, err := srv.Wait(context.Background(), 4)
	require.NoError(t, err)
	require.Len(t, got, 4)
	assert.NoError(t, got[0].Err)
	assert.Equal(t, genuine.Header.Get(webhook.IDHeader), got[0].Auth.ID)
	assert.Equal(t, body, got[0].Body, "recorded byte for byte")
	assert.Equal(t, "/hooks", got[0].Path)
	assert.Equal(t, http.MethodPost, got[0].Method)
	assert.Equal(t, 200, got[0].Status)
	assert.ErrorIs(t, got[1].Err, webhook.ErrNoMatchingSignature)
	assert.ErrorIs(t, got[2].Err, webhook.ErrMissingSignature)
	assert.ErrorIs(t, got[3].Err, webhook.ErrBodyTooLarge)
	assert.Equal(t, []int{200, 401, 400, 413}, []int{got[0].Status, got[1].Status, got[2].Status, got[3].Status})
}

// TestRecorderSender: a Sender's deliveries are recorded, unchecked
// without an authenticator, and Wait returns as soon as they are in.
func TestRecorderSender(t *testing.T) {
	t.Parallel()
	srv := webhooktest.NewServer(nil)
	defer srv.Close()
	s, err := webhook.NewSender(&webhook.SenderOptions{Signer: webhooktest.Stripe(stripeSecret)})
	require.NoError(t, err)

	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Send(context.Background(), srv.URL, paid())
			assert.NoError(t, err)
		}()
	}
	got, err := srv.Wait(context.Background(), 5)
	require.NoError(t, err)
	require.Len(t, got, 5)
	for _, d := range got {
		assert.ErrorIs(t, d.Err, webhooktest.ErrNotVerified)
		assert.NotEmpty(t, d.Header.Get("Stripe-Signature"))
	}
	wg.Wait()
	assert.Len(t, srv.Deliveries(), 5)
}

func TestRecorderWaitCancelled(t *testing.T) {
	t.Parallel()
	rec := webhooktest.NewRecorder(nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	got, err := rec.Wait(ctx, 1)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Empty(t, got)
}
