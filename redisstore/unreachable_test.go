package redisstore_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/redisstore"
	"github.com/stretchr/testify/require"
)

// blackhole accepts connections and never answers: a hung Redis.
func blackhole(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().String()
}

// A Redis that accepts connections but never answers: each call returns an
// error matching context.DeadlineExceeded once the caller's deadline or the
// store's Timeout passes, whichever comes first.
func TestHungRedisIsBoundedByDeadlines(t *testing.T) {
	t.Parallel()
	addr := blackhole(t)
	tests := []struct {
		name        string
		ctxTimeout  time.Duration
		timeout     time.Duration
		readTimeout time.Duration
		ctxEnabled  bool // the client's ContextTimeoutEnabled
	}{
		{"context deadline", 100 * time.Millisecond, 0, time.Minute, true},
		{"store timeout", time.Minute, 100 * time.Millisecond, time.Minute, true},
		{"context deadline, client ignores it", 100 * time.Millisecond, 0, time.Minute, false},
		{"store timeout, client ignores it", time.Minute, 100 * time.Millisecond, time.Minute, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			client := redis.NewClient(&redis.Options{Addr: addr, ReadTimeout: tc.readTimeout, ContextTimeoutEnabled: tc.ctxEnabled})
			t.Cleanup(func() { _ = client.Close() })
			s := redisstore.New(client, &redisstore.Options{Timeout: tc.timeout})
			calls := map[string]func(ctx context.Context) error{
				"claim": func(ctx context.Context) error {
					_, err := s.Claim(ctx, webhook.ClaimRequest{Key: "k", TTL: time.Minute, ReplayKey: "r", ReplayTTL: time.Minute})
					return err
				},
				"complete": func(ctx context.Context) error {
					return s.Complete(ctx, "k", "0123456789abcdef0123456789abcdef", time.Minute)
				},
				"release": func(ctx context.Context) error {
					return s.Release(ctx, "k", "0123456789abcdef0123456789abcdef")
				},
				"extend": func(ctx context.Context) error {
					return s.Extend(ctx, "k", "0123456789abcdef0123456789abcdef", time.Minute)
				},
			}
			for name, call := range calls {
				ctx, cancel := context.WithTimeout(context.Background(), tc.ctxTimeout)
				err := call(ctx)
				cancel()
				require.ErrorIs(t, err, context.DeadlineExceeded, name)
			}
		})
	}
}

// Nothing listens: every call fails at once with an error, never a status.
func TestUnreachableRedis(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	// Fail fast: one dial per call, no retries (the defaults dial up to 5
	// times per attempt and retry 3 times).
	client := redis.NewClient(&redis.Options{Addr: addr, DialerRetries: 1, MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })
	s := redisstore.New(client, nil)
	ctx := context.Background()

	_, err = s.Claim(ctx, webhook.ClaimRequest{Key: "k", TTL: time.Minute, ReplayKey: "r", ReplayTTL: time.Minute})
	require.Error(t, err)
	_, err = s.Claim(ctx, webhook.ClaimRequest{Key: "k", TTL: time.Minute})
	require.Error(t, err)
	_, err = s.Claim(ctx, webhook.ClaimRequest{ReplayKey: "r", ReplayTTL: time.Minute})
	require.Error(t, err)
	err = s.Complete(ctx, "k", "0123456789abcdef0123456789abcdef", time.Minute)
	require.Error(t, err)
	require.NotErrorIs(t, err, webhook.ErrClaimLost)
	err = s.Release(ctx, "k", "0123456789abcdef0123456789abcdef")
	require.Error(t, err)
	require.NotErrorIs(t, err, webhook.ErrClaimLost)
}
