package webhook_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
)

var senderSecret = []byte("0123456789abcdef0123456789abcdef")

// senderClock is a clock whose Sleep returns at once and moves time forward,
// recording every wait, so retry timing is checked exactly.
type senderClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newSenderClock() *senderClock { return &senderClock{now: time.Unix(1_800_000_000, 0)} }

func (c *senderClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *senderClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

func (c *senderClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// newTestSender returns a Sender on clock c (nil for real time) whose idle
// connections are closed when the test ends.
func newTestSender(t testing.TB, c *senderClock, opts webhook.SenderOptions) *webhook.Sender {
	t.Helper()
	if opts.Signer == nil && opts.Secret == nil {
		opts.Secret = senderSecret
	}
	if c != nil {
		opts.Now, opts.Sleep = c.Now, c.Sleep
	}
	s, err := webhook.NewSender(&opts)
	require.NoError(t, err)
	t.Cleanup(s.CloseIdleConnections)
	return s
}

// server is an httptest server that counts requests and new connections.
type server struct {
	*httptest.Server
	requests atomic.Int64
	conns    atomic.Int64
}

// newServer starts a server whose handler is h; it is closed when the test
// ends.
func newServer(t testing.TB, h http.HandlerFunc) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		h(w, r)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// statuses answers each request with the next status in order, then with
// the last one.
func statuses(codes ...int) http.HandlerFunc {
	var n atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		w.WriteHeader(codes[min(i, len(codes)-1)])
	}
}

func attemptStatuses(r *webhook.Report) []int {
	var out []int
	for _, a := range r.Attempts {
		out = append(out, a.StatusCode)
	}
	return out
}

func msg(body string) webhook.Message {
	return webhook.Message{Type: "payment.succeeded", Payload: []byte(body)}
}
