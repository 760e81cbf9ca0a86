package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/standardwebhooks"
)

// These tests wire our provider side to our consumer side the way the
// README does, with the defaults of both ends.

// consumerSide is a default Middleware + Mux on a real server, counting the
// runs of its payment.succeeded handler per message id.
type consumerSide struct {
	*httptest.Server
	mu   sync.Mutex
	runs map[string]int
	data map[string]string // id → the payment id its data carried
}

func newConsumerSide(t *testing.T, auth webhook.Authenticator) *consumerSide {
	t.Helper()
	c := &consumerSide{runs: map[string]int{}, data: map[string]string{}}
	mux := webhook.NewMux(nil)
	mux.HandleFunc("payment.succeeded", func(ctx context.Context, ev webhook.Event) error {
		p, err := webhook.DecodeData[struct {
			Payment struct{ ID string } `json:"payment"`
		}](ev)
		if err != nil {
			return err
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		c.runs[ev.ID]++
		c.data[ev.ID] = p.Payment.ID
		return nil
	})
	c.Server = httptest.NewServer(webhook.Middleware(auth, nil)(mux))
	t.Cleanup(c.Close)
	return c
}

func (c *consumerSide) snapshot() (map[string]int, map[string]string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	runs, data := map[string]int{}, map[string]string{}
	for k, v := range c.runs {
		runs[k] = v
	}
	for k, v := range c.data {
		data[k] = v
	}
	return runs, data
}

// TestEqualBodiesAreNotReplays: 100 distinct messages with the same type and
// data, sent concurrently by a default Sender to a default consumer, are
// each processed once. Before the id went into the envelope, messages signed
// in the same second shared a signature and most were refused as replays.
func TestEqualBodiesAreNotReplays(t *testing.T) {
	t.Parallel()
	for _, scheme := range []string{"native", "standardwebhooks"} {
		t.Run(scheme, func(t *testing.T) {
			t.Parallel()
			signer, auth := schemePair(t, scheme)
			c := newConsumerSide(t, auth)
			s, err := webhook.NewSender(&webhook.SenderOptions{Signer: signer})
			require.NoError(t, err)
			t.Cleanup(s.CloseIdleConnections)

			const n = 100
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var wg sync.WaitGroup
			reps := make([]*webhook.Report, n)
			errs := make([]error, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					reps[i], errs[i] = s.Send(ctx, c.URL, webhook.Message{
						Type: "payment.succeeded",
						Data: map[string]any{"payment": map[string]any{"id": "pi_same", "amount": 49.99}},
					})
				}()
			}
			wg.Wait()
			ids := map[string]bool{}
			for i := range n {
				require.NoError(t, errs[i], "message %d", i)
				assert.Len(t, reps[i].Attempts, 1, "message %d needed a retry: %v", i, attemptStatuses(reps[i]))
				ids[reps[i].MessageID] = true
			}
			require.Len(t, ids, n, "distinct ids")
			runs, data := c.snapshot()
			assert.Len(t, runs, n)
			for id := range ids {
				assert.Equal(t, 1, runs[id], id)
				assert.Equal(t, "pi_same", data[id], id)
			}
		})
	}
}

// schemePair returns a provider-side signer and the matching consumer-side
// authenticator, both with default options.
func schemePair(t *testing.T, scheme string) (webhook.HeaderSigner, webhook.Authenticator) {
	t.Helper()
	switch scheme {
	case "native":
		signer, err := webhook.NewSigner(senderSecret, nil)
		require.NoError(t, err)
		v, err := webhook.NewVerifier(senderSecret, nil)
		require.NoError(t, err)
		return signer, v
	case "standardwebhooks":
		key := standardwebhooks.FormatSecret(senderSecret)
		signer, err := standardwebhooks.NewSigner([]string{key}, nil)
		require.NoError(t, err)
		v, err := standardwebhooks.NewVerifier([]string{key}, nil)
		require.NoError(t, err)
		return signer, v
	}
	t.Fatalf("unknown scheme %q", scheme)
	return nil, nil
}

// TestAttemptRetryWithinTheSecond: a queue that retries with Sender.Attempt
// less than a second after a failed attempt is not refused as a replay when
// it passes the previous attempt's SignedAt, and would be without it.
func TestAttemptRetryWithinTheSecond(t *testing.T) {
	t.Parallel()
	for _, scheme := range []string{"native", "standardwebhooks"} {
		t.Run(scheme, func(t *testing.T) {
			t.Parallel()
			signer, auth := schemePair(t, scheme)
			var mu sync.Mutex
			calls := 0
			var types []string
			mux := webhook.NewMux(nil)
			mux.HandleFunc("payment.succeeded", func(ctx context.Context, ev webhook.Event) error {
				mu.Lock()
				defer mu.Unlock()
				calls++
				types = append(types, ev.Type)
				if calls == 1 {
					return fmt.Errorf("first run fails")
				}
				return nil
			})
			srv := httptest.NewServer(webhook.Middleware(auth, nil)(mux))
			t.Cleanup(srv.Close)
			// A fixed clock: every attempt would be signed in the same second.
			now := time.Now().Truncate(time.Second).Add(100 * time.Millisecond)
			s, err := webhook.NewSender(&webhook.SenderOptions{Signer: signer, Now: func() time.Time { return now }})
			require.NoError(t, err)
			t.Cleanup(s.CloseIdleConnections)
			msg := webhook.Message{ID: "msg_retry_1", Type: "payment.succeeded", Data: map[string]any{"payment": map[string]string{"id": "pi_1"}}}

			a1, err := s.Attempt(context.Background(), srv.URL, msg, webhook.AttemptOptions{Number: 1})
			require.Error(t, err)
			assert.Equal(t, http.StatusInternalServerError, a1.StatusCode)
			assert.Equal(t, now, a1.SignedAt)

			// Without After, the retry is the same bytes as attempt 1: the
			// replay guard refuses it, as it must refuse a captured request.
			same, err := s.Attempt(context.Background(), srv.URL, msg, webhook.AttemptOptions{Number: 2})
			require.Error(t, err)
			assert.Equal(t, http.StatusConflict, same.StatusCode)

			a2, err := s.Attempt(context.Background(), srv.URL, msg, webhook.AttemptOptions{Number: 2, After: a1.SignedAt})
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, a2.StatusCode)
			assert.Equal(t, a1.SignedAt.Unix()+1, a2.SignedAt.Unix())

			a3, err := s.Attempt(context.Background(), srv.URL, msg, webhook.AttemptOptions{Number: 3, After: a2.SignedAt})
			require.NoError(t, err)
			assert.JSONEq(t, `{"status":"already_processed"}`, string(a3.Response))
			mu.Lock()
			defer mu.Unlock()
			assert.Equal(t, 2, calls)
			assert.Equal(t, []string{"payment.succeeded", "payment.succeeded"}, types)
		})
	}
}

// TestReplayWithNewIDIsRefused: a captured delivery sent again with another
// id header is refused: the signature was seen, and the id in the signed
// body is the original one.
func TestReplayWithNewIDIsRefused(t *testing.T) {
	t.Parallel()
	v, err := webhook.NewVerifier(senderSecret, nil)
	require.NoError(t, err)
	runs := 0
	mux := webhook.NewMux(nil)
	mux.HandleFunc("payment.succeeded", func(context.Context, webhook.Event) error { runs++; return nil })
	consumer := webhook.Middleware(v, nil)(mux)

	var captured *http.Request
	var capturedBody []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		captured, capturedBody = r.Clone(context.Background()), body
		r.Body = io.NopCloser(bytes.NewReader(body))
		consumer.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s, err := webhook.NewSender(&webhook.SenderOptions{Secret: senderSecret})
	require.NoError(t, err)
	t.Cleanup(s.CloseIdleConnections)
	rep, err := s.Send(context.Background(), srv.URL, webhook.Message{Type: "payment.succeeded", Data: map[string]int{"amount": 1}})
	require.NoError(t, err)
	require.Equal(t, 1, runs)

	var env struct{ ID string }
	require.NoError(t, json.Unmarshal(capturedBody, &env))
	assert.Equal(t, rep.MessageID, env.ID, "the id is in the signed body")

	replay := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(capturedBody))
	replay.Header = captured.Header.Clone()
	replay.Header.Set(webhook.IDHeader, "msg_attacker_chosen")
	rec := httptest.NewRecorder()
	consumer.ServeHTTP(rec, replay)
	assert.Equal(t, http.StatusConflict, rec.Code)
	assert.JSONEq(t, errorJSON("replayed"), rec.Body.String())
	assert.Equal(t, 1, runs, "the replay ran nothing")
}

// TestDefaultsCompose: a default Sender waits as long as a default
// consumer's Retry-After asks while the same id is in flight elsewhere, and
// then gets the message acknowledged. With the old 30 s cap it retried too
// early and gave up within seconds.
func TestDefaultsCompose(t *testing.T) {
	t.Parallel()
	v, err := webhook.NewVerifier(senderSecret, nil)
	require.NoError(t, err)
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	var mu sync.Mutex
	runs := 0
	mux := webhook.NewMux(nil)
	mux.HandleFunc("payment.succeeded", func(context.Context, webhook.Event) error {
		mu.Lock()
		runs++
		mu.Unlock()
		started <- struct{}{}
		<-release
		return nil
	})
	srv := httptest.NewServer(webhook.Middleware(v, nil)(mux))
	t.Cleanup(srv.Close)

	msg := webhook.Message{ID: "msg_slow_1", Type: "payment.succeeded", Data: map[string]int{"amount": 1}}
	first, err := webhook.NewSender(&webhook.SenderOptions{Secret: senderSecret})
	require.NoError(t, err)
	t.Cleanup(first.CloseIdleConnections)
	firstDone := make(chan error, 1)
	go func() {
		_, err := first.Send(context.Background(), srv.URL, msg)
		firstDone <- err
	}()
	<-started

	// A second delivery of the same id (another provider replica) meets the
	// running handler: 409 with Retry-After. Its waits are recorded, and
	// the first wait lets the running handler finish.
	// It signs a second later than the first, or its bytes would equal the
	// first delivery's and be refused as a replay (409, Retry-After: 1).
	var waits []time.Duration
	second, err := webhook.NewSender(&webhook.SenderOptions{
		Secret: senderSecret,
		Now:    func() time.Time { return time.Now().Add(time.Second) },
		Sleep: func(ctx context.Context, d time.Duration) error {
			if len(waits) == 0 {
				close(release)
				require.NoError(t, <-firstDone)
			}
			waits = append(waits, d)
			return nil
		},
	})
	require.NoError(t, err)
	t.Cleanup(second.CloseIdleConnections)
	rep, err := second.Send(context.Background(), srv.URL, msg)
	require.NoError(t, err)
	assert.Equal(t, []int{http.StatusConflict, http.StatusOK}, attemptStatuses(rep))
	require.Len(t, waits, 1)
	assert.Equal(t, rep.Attempts[0].RetryAfter, waits[0], "the Retry-After is honoured, not cut short")
	// The claim is renewed while its handler runs, so the consumer asks for
	// one renewal tick (ClaimTTL/4), not for what is left of the claim.
	assert.Equal(t, webhook.DefaultClaimTTL/4, waits[0], "the consumer asked for one keep-alive tick")
	assert.True(t, strings.Contains(string(rep.Attempts[1].Response), "already_processed"))
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, 1, runs)
}
