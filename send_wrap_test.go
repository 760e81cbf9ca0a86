package webhook_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
)

// recordingTransport is a transport wrapper that records what it saw.
type recordingTransport struct {
	next  http.RoundTripper
	mu    sync.Mutex
	infos []webhook.AttemptInfo
	calls int
}

func (rt *recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rt.mu.Lock()
	rt.calls++
	if info, ok := webhook.AttemptFromContext(r.Context()); ok {
		rt.infos = append(rt.infos, info)
	}
	rt.mu.Unlock()
	r.Header.Set("Traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	return rt.next.RoundTrip(r)
}

func (rt *recordingTransport) wrap(next http.RoundTripper) http.RoundTripper {
	rt.next = next
	return rt
}

// TestSendWrapTransportKeepsGuard checks that a wrapped transport is still
// refused loopback by BlockPrivateNetworks: the wrapper runs, and the
// dialer below it refuses.
func TestSendWrapTransportKeepsGuard(t *testing.T) {
	t.Parallel()
	srv := newServer(t, statuses(200))
	tests := []struct {
		name    string
		allow   bool
		wantErr error
	}{
		{"loopback is refused through the wrapper", false, webhook.ErrBlockedAddress},
		{"allow-list lets loopback through the wrapper", true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rt := &recordingTransport{}
			opts := webhook.SenderOptions{BlockPrivateNetworks: true, WrapTransport: rt.wrap}
			if tc.allow {
				opts.AllowNetworks = loopback
			}
			s := newTestSender(t, newSenderClock(), opts)
			rep, err := s.Send(context.Background(), srv.URL+"/hook?token=s3cr3t", msg(`{}`))
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				assert.Equal(t, webhook.PermanentFailure, rep.Outcome)
			} else {
				require.NoError(t, err)
			}
			rt.mu.Lock()
			defer rt.mu.Unlock()
			assert.Equal(t, 1, rt.calls, "the wrapper saw the attempt")
		})
	}
	t.Cleanup(func() { assert.LessOrEqual(t, srv.requests.Load(), int64(1)) })
}

// TestSendWrapTransportAttemptInfo checks what a wrapper learns from the
// request's context, in Send and in Attempt, and that headers it adds are
// sent.
func TestSendWrapTransportAttemptInfo(t *testing.T) {
	t.Parallel()
	var traceparents []string
	var mu sync.Mutex
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		traceparents = append(traceparents, r.Header.Get("Traceparent"))
		n := len(traceparents)
		mu.Unlock()
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	rt := &recordingTransport{}
	var reports int
	s := newTestSender(t, newSenderClock(), webhook.SenderOptions{
		WrapTransport: rt.wrap,
		OnAttempt:     func(webhook.AttemptReport) { reports++ },
		Retry:         webhook.Backoff{Rand: constRand(0)},
	})
	m := webhook.Message{ID: "msg_1", Type: "invoice.paid", Data: map[string]int{"n": 1}}
	_, err := s.Send(context.Background(), srv.URL+"/hook?token=s3cr3t", m)
	require.NoError(t, err)
	_, err = s.Attempt(context.Background(), srv.URL+"/hook?token=s3cr3t", m, webhook.AttemptOptions{Number: 3})
	require.NoError(t, err)

	want := []webhook.AttemptInfo{
		{MessageID: "msg_1", Type: "invoice.paid", URL: srv.URL + "/hook?redacted", Number: 1, Reported: true},
		{MessageID: "msg_1", Type: "invoice.paid", URL: srv.URL + "/hook?redacted", Number: 2, Reported: true},
		{MessageID: "msg_1", Type: "invoice.paid", URL: srv.URL + "/hook?redacted", Number: 3, Reported: false},
	}
	rt.mu.Lock()
	assert.Equal(t, want, rt.infos)
	rt.mu.Unlock()
	assert.Equal(t, 2, reports)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, traceparents, 3)
	for _, tp := range traceparents {
		assert.Equal(t, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", tp)
	}
}

func TestAttemptFromContextWithoutWrapper(t *testing.T) {
	t.Parallel()
	var ok bool
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {})
	s := newTestSender(t, newSenderClock(), webhook.SenderOptions{
		Client: &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			_, ok = webhook.AttemptFromContext(r.Context())
			return http.DefaultTransport.RoundTrip(r)
		})},
	})
	_, err := s.Send(context.Background(), srv.URL, msg(`{}`))
	require.NoError(t, err)
	assert.False(t, ok, "without WrapTransport a request carries no AttemptInfo")
	_, ok = webhook.AttemptFromContext(context.Background())
	assert.False(t, ok)
}

func TestNewSenderWrapTransportNil(t *testing.T) {
	t.Parallel()
	_, err := webhook.NewSender(&webhook.SenderOptions{
		Secret:        senderSecret,
		WrapTransport: func(http.RoundTripper) http.RoundTripper { return nil },
	})
	require.Error(t, err)
}

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
