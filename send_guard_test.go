package webhook_test

import (
	"context"
	"fmt"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
)

func TestSendSSRFGuard(t *testing.T) {
	t.Parallel()
	srv := newServer(t, statuses(200))
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	target := fmt.Sprintf("http://localhost:%d/hook", port)
	tests := []struct {
		name    string
		allow   bool
		target  string
		wantErr error
	}{
		{"name resolving to loopback is refused", false, target, webhook.ErrBlockedAddress},
		{"loopback literal is refused", false, srv.URL, webhook.ErrBlockedAddress},
		{"IPv4-mapped loopback is refused", false, fmt.Sprintf("http://[::ffff:127.0.0.1]:%d/", port), webhook.ErrBlockedAddress},
		{"allow-list lets loopback through", true, target, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := webhook.SenderOptions{BlockPrivateNetworks: true, Retry: webhook.Backoff{Rand: constRand(0)}}
			if tc.allow {
				opts.AllowNetworks = loopback
			}
			clock := newSenderClock()
			s := newTestSender(t, clock, opts)
			rep, err := s.Send(context.Background(), tc.target, msg(`{}`))
			if tc.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.wantErr)
			assert.Equal(t, webhook.PermanentFailure, rep.Outcome)
			assert.Len(t, rep.Attempts, 1, "a refused address is not retried")
			assert.Empty(t, clock.Sleeps())
		})
	}
	// Only the allowed attempt reached the server.
	t.Cleanup(func() { assert.LessOrEqual(t, srv.requests.Load(), int64(1)) })
}

func TestSendRedactsURL(t *testing.T) {
	t.Parallel()
	srv := newServer(t, statuses(200))
	addr := srv.Listener.Addr().String()
	srv.Close() // nothing listens there any more: connection refused
	s := newTestSender(t, newSenderClock(), webhook.SenderOptions{Retry: webhook.Backoff{MaxAttempts: 1}})
	rep, err := s.Send(context.Background(), "http://admin:hunter2hunter2@"+addr+"/hook?token=s3cr3t", msg(`{}`))
	require.ErrorIs(t, err, webhook.ErrGaveUp)
	assert.Equal(t, "http://"+addr+"/hook?redacted", rep.URL)
	for _, text := range []string{err.Error(), fmt.Sprintf("%+v", rep)} {
		assert.NotContains(t, text, "hunter2")
		assert.NotContains(t, text, "s3cr3t")
		assert.NotContains(t, text, "admin")
	}
}

func TestSendInvalidInput(t *testing.T) {
	t.Parallel()
	s := newTestSender(t, newSenderClock(), webhook.SenderOptions{})
	tests := []struct {
		name    string
		url     string
		msg     webhook.Message
		wantErr error
	}{
		{"relative URL", "/hook", msg(`{}`), webhook.ErrInvalidURL},
		{"ftp URL", "ftp://example.com/x", msg(`{}`), webhook.ErrInvalidURL},
		{"unparsable URL", "http://[::1", msg(`{}`), webhook.ErrInvalidURL},
		{"both payload and data", "http://127.0.0.1:1/", webhook.Message{Payload: []byte(`{}`), Data: 1}, webhook.ErrInvalidMessage},
		{"neither payload nor data", "http://127.0.0.1:1/", webhook.Message{}, webhook.ErrInvalidMessage},
		{"data that cannot be marshalled", "http://127.0.0.1:1/", webhook.Message{Data: make(chan int)}, webhook.ErrInvalidMessage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep, err := s.Send(context.Background(), tc.url, tc.msg)
			require.ErrorIs(t, err, tc.wantErr)
			require.NotNil(t, rep)
			assert.Equal(t, webhook.PermanentFailure, rep.Outcome)
			assert.Empty(t, rep.Attempts)
		})
	}
}
