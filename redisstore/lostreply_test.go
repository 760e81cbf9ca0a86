package redisstore_test

import (
	"bytes"
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/redisstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// replyDropper is a TCP proxy to Redis that, while armed, lets the next
// write containing EVALSHA reach Redis, waits for Redis's answer, and then
// cuts the client's connection instead of passing the answer on: the server
// ran the commands, the client saw EOF.
type replyDropper struct {
	addr    string
	armed   atomic.Bool
	dropped atomic.Int64
}

func newReplyDropper(t *testing.T, target string) *replyDropper {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &replyDropper{addr: l.Addr().String()}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	track := func(c net.Conn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			client, err := l.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				_ = client.Close()
				continue
			}
			track(client)
			track(server)
			var mute atomic.Bool // drop what Redis sends
			wg.Add(2)
			go func() { // server → client
				defer wg.Done()
				defer client.Close()
				buf := make([]byte, 64<<10)
				for {
					n, err := server.Read(buf)
					if err != nil {
						return
					}
					if mute.Load() {
						continue
					}
					if _, err := client.Write(buf[:n]); err != nil {
						return
					}
				}
			}()
			go func() { // client → server, dropping one reply when armed
				defer wg.Done()
				defer server.Close()
				buf := make([]byte, 64<<10)
				for {
					n, err := client.Read(buf)
					if err != nil {
						return
					}
					drop := bytes.Contains(bytes.ToLower(buf[:n]), []byte("evalsha")) && p.armed.CompareAndSwap(true, false)
					if drop {
						mute.Store(true)
					}
					if _, err := server.Write(buf[:n]); err != nil {
						return
					}
					if drop {
						time.Sleep(50 * time.Millisecond) // Redis answers meanwhile
						p.dropped.Add(1)
						_ = client.Close() // the client sees EOF
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return p
}

// go-redis retries a command whose connection broke (EOF) after the server
// had run it. The scripts recognise their own token, so the retried Claim
// reports Claimed, not Replayed or InFlight, and its token completes.
func TestClaimRetriedAfterLostReply(t *testing.T) {
	t.Parallel()
	newClient(t) // skip or fail early without Redis
	proxy := newReplyDropper(t, sharedOpts.Addr)
	opts := *sharedOpts
	opts.Addr = proxy.addr
	opts.MaxRetries = 2
	client := redis.NewClient(&opts)
	t.Cleanup(func() { _ = client.Close() })
	s := redisstore.New(client, &redisstore.Options{Prefix: uniquePrefix()})
	ctx := context.Background()
	// Load the scripts first, so that the dropped EVALSHA runs (rather than
	// answering NOSCRIPT).
	warm, err := s.Claim(ctx, webhook.ClaimRequest{Key: "warm", TTL: time.Minute, ReplayKey: "warm", ReplayTTL: time.Minute})
	require.NoError(t, err)
	require.NoError(t, s.Release(ctx, "warm", warm.Token))

	tests := []struct {
		name string
		req  webhook.ClaimRequest
	}{
		{"pipeline", webhook.ClaimRequest{Key: "a", Fingerprint: "fp", TTL: time.Minute, ReplayKey: "ra", ReplayTTL: time.Minute}},
		{"id only", webhook.ClaimRequest{Key: "b", Fingerprint: "fp", TTL: time.Minute}},
		{"replay key only", webhook.ClaimRequest{ReplayKey: "rc", ReplayTTL: time.Minute}},
	}
	for _, tc := range tests { // sequential: they share the proxy
		before := proxy.dropped.Load()
		proxy.armed.Store(true)
		res, err := s.Claim(ctx, tc.req)
		require.NoError(t, err, tc.name)
		require.Equal(t, before+1, proxy.dropped.Load(), "%s: no reply was dropped", tc.name)
		assert.Equal(t, webhook.Claimed, res.Status, tc.name)
		if tc.req.Key != "" {
			assert.NoError(t, s.Complete(ctx, tc.req.Key, res.Token, time.Minute), tc.name)
		}
	}
}
