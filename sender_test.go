package webhook_test

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
)

func TestNewSenderErrors(t *testing.T) {
	t.Parallel()
	signer, err := webhook.NewSigner(senderSecret, nil)
	require.NoError(t, err)
	tests := []struct {
		name    string
		opts    *webhook.SenderOptions
		wantErr error
	}{
		{"nil options", nil, nil},
		{"no signer or secret", &webhook.SenderOptions{}, nil},
		{"both signer and secret", &webhook.SenderOptions{Signer: signer, Secret: senderSecret}, nil},
		{"short secret", &webhook.SenderOptions{Secret: []byte("short")}, webhook.ErrSecretTooShort},
		{"negative timeout", &webhook.SenderOptions{Secret: senderSecret, AttemptTimeout: -1}, nil},
		{"negative response size", &webhook.SenderOptions{Secret: senderSecret, MaxResponseBytes: -1}, nil},
		{"client with guard", &webhook.SenderOptions{Secret: senderSecret, Client: &http.Client{}, BlockPrivateNetworks: true}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := webhook.NewSender(tc.opts)
			require.Error(t, err)
			assert.Nil(t, s)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
			}
			assert.NotContains(t, err.Error(), string(senderSecret))
		})
	}
}

func TestSenderWithOwnClientNeverFollowsRedirects(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/hook" {
			panic("redirect followed")
		}
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	})
	client := srv.Client()
	s := newTestSender(t, newSenderClock(), webhook.SenderOptions{Client: client, Retry: webhook.Backoff{MaxAttempts: 1}})
	rep, err := s.Send(context.Background(), srv.URL+"/hook", msg(`{}`))
	require.ErrorIs(t, err, webhook.ErrStatus)
	assert.Equal(t, 307, rep.StatusCode())
	assert.Nil(t, client.CheckRedirect, "the caller's client is not changed")
}

func TestSendResponseSnippetAndConnectionReuse(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 10_000)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(big))
	})
	s := newTestSender(t, newSenderClock(), webhook.SenderOptions{
		MaxResponseBytes: 16,
		Retry:            webhook.Backoff{MaxAttempts: 4, Rand: constRand(0)},
	})
	rep, err := s.Send(context.Background(), srv.URL, msg(`{}`))
	require.ErrorIs(t, err, webhook.ErrGaveUp)
	require.Len(t, rep.Attempts, 4)
	for _, a := range rep.Attempts {
		assert.Equal(t, big[:16], string(a.Response))
	}
	assert.Equal(t, int64(1), srv.conns.Load(), "drained bodies let every attempt reuse one connection")
}

func TestSendRateLimit(t *testing.T) {
	t.Parallel()
	srv := newServer(t, statuses(200))
	clock := newSenderClock()
	fast := srv.URL + "/fast"
	s := newTestSender(t, clock, webhook.SenderOptions{
		RateLimit:          webhook.RateLimit{Rate: 2, Burst: 1},
		EndpointRateLimits: map[string]webhook.RateLimit{fast: {Rate: 100, Burst: 10}},
	})
	for range 3 {
		_, err := s.Send(context.Background(), srv.URL+"/slow", msg(`{}`))
		require.NoError(t, err)
	}
	assert.Equal(t, []time.Duration{500 * time.Millisecond, 500 * time.Millisecond}, clock.Sleeps(),
		"2 per second, burst 1: the 2nd and 3rd wait half a second each")
	for range 10 {
		_, err := s.Send(context.Background(), fast, msg(`{}`))
		require.NoError(t, err)
	}
	assert.Len(t, clock.Sleeps(), 2, "the fast endpoint's own burst of 10 needs no wait")
}

func TestSendRateLimitWaitIsCancelled(t *testing.T) {
	t.Parallel()
	srv := newServer(t, statuses(200))
	s := newTestSender(t, nil, webhook.SenderOptions{RateLimit: webhook.RateLimit{Rate: 1.0 / 3600, Burst: 1}})
	_, err := s.Send(context.Background(), srv.URL, msg(`{}`))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	rep, err := s.Send(ctx, srv.URL, msg(`{}`))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, webhook.Cancelled, rep.Outcome)
	assert.Empty(t, rep.Attempts)
	assert.Equal(t, int64(1), srv.requests.Load())
}

func TestAttempt(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/busy":
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusTooManyRequests)
		case "/gone":
			w.WriteHeader(http.StatusGone)
		default:
			w.Write([]byte(`{"status":"ok"}`))
		}
	})
	tests := []struct {
		name           string
		path           string
		msg            webhook.Message
		wantClass      webhook.Class
		wantErr        error
		wantRetryAfter time.Duration
	}{
		{"delivered", "/ok", webhook.Message{ID: "wh_1", Payload: []byte(`{}`)}, webhook.ClassDelivered, nil, 0},
		{"busy with Retry-After", "/busy", webhook.Message{ID: "wh_2", Payload: []byte(`{}`)}, webhook.ClassRetry, webhook.ErrStatus, 30 * time.Second},
		{"gone", "/gone", webhook.Message{ID: "wh_3", Payload: []byte(`{}`)}, webhook.ClassGone, webhook.ErrGone, 0},
		{"needs an id", "/ok", webhook.Message{Payload: []byte(`{}`)}, webhook.ClassPermanent, webhook.ErrInvalidMessage, 0},
	}
	s := newTestSender(t, newSenderClock(), webhook.SenderOptions{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, err := s.Attempt(context.Background(), srv.URL+tc.path, tc.msg, webhook.AttemptOptions{Number: 4})
			assert.Equal(t, tc.wantClass, a.Class)
			assert.Equal(t, 4, a.Number)
			assert.Equal(t, tc.wantRetryAfter, a.RetryAfter)
			assert.False(t, a.Retry, "Attempt leaves scheduling to the caller")
			if tc.wantErr == nil {
				require.NoError(t, err)
				assert.Equal(t, `{"status":"ok"}`, string(a.Response))
				return
			}
			require.ErrorIs(t, err, tc.wantErr)
			var de *webhook.DeliveryError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, 4, de.Attempts)
		})
	}
}

// TestSenderLeavesNoGoroutines is not parallel: it counts goroutines while
// the parallel tests are paused.
func TestSenderLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		release := make(chan struct{})
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/hang":
				select {
				case <-r.Context().Done():
				case <-release:
				}
			case "/flaky":
				if !seen(r) {
					w.WriteHeader(http.StatusServiceUnavailable)
				}
			}
		})
		defer srv.Close()
		defer close(release)
		s, err := webhook.NewSender(&webhook.SenderOptions{
			Secret:         senderSecret,
			AttemptTimeout: 20 * time.Millisecond,
			Retry:          webhook.Backoff{InitialDelay: time.Millisecond, MaxAttempts: 3},
			RateLimit:      webhook.RateLimit{Rate: 1000, Burst: 10},
		})
		require.NoError(t, err)
		defer s.CloseIdleConnections()
		ctx := context.Background()
		_, err = s.Send(ctx, srv.URL+"/flaky", msg(`{}`))
		require.NoError(t, err)
		_, err = s.Send(ctx, srv.URL+"/hang", msg(`{}`))
		require.ErrorIs(t, err, context.DeadlineExceeded)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err = s.Send(cctx, srv.URL+"/flaky", msg(`{}`))
		require.ErrorIs(t, err, context.Canceled)
	}()
	// A plain loop: assert.Eventually runs the condition on goroutines of
	// its own, which it would count.
	after := runtime.NumGoroutine()
	for deadline := time.Now().Add(5 * time.Second); after > before && time.Now().Before(deadline); after = runtime.NumGoroutine() {
		time.Sleep(10 * time.Millisecond)
	}
	if after > before {
		buf := make([]byte, 1<<20)
		t.Fatalf("goroutines: %d before, %d after:\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
}

func TestSendResponseBodies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		handler     http.HandlerFunc
		wantStatus  int
		wantSnippet string
	}{
		{
			name: "body that breaks off after a 200 still delivers",
			handler: func(w http.ResponseWriter, r *http.Request) {
				conn, buf, err := http.NewResponseController(w).Hijack()
				if err != nil {
					panic(err)
				}
				buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc")
				buf.Flush()
				conn.Close()
			},
			wantStatus:  200,
			wantSnippet: "abc",
		},
		{
			name: "streamed body of unknown length is cut",
			handler: func(w http.ResponseWriter, r *http.Request) {
				for range 100 {
					w.Write([]byte("0123456789"))
					http.NewResponseController(w).Flush()
				}
			},
			wantStatus:  200,
			wantSnippet: "0123456789012345",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, tc.handler)
			s := newTestSender(t, newSenderClock(), webhook.SenderOptions{MaxResponseBytes: 16})
			rep, err := s.Send(context.Background(), srv.URL, msg(`{}`))
			require.NoError(t, err)
			require.Len(t, rep.Attempts, 1)
			assert.Equal(t, tc.wantStatus, rep.StatusCode())
			assert.Equal(t, tc.wantSnippet, string(rep.Attempts[0].Response))
		})
	}
}
