package redisstore_test

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/redisstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// needDebugRedis starts a private redis-server that accepts DEBUG, stopped
// when t ends. Redis 7 refuses DEBUG unless enable-debug-command allows it;
// Redis 6 has no such setting and always accepts it.
func needDebugRedis(t *testing.T) *redisServer {
	t.Helper()
	srv, err := startRedisWith(0, "", "--save", "", "--appendonly", "no", "--enable-debug-command", "yes")
	if err != nil {
		srv, err = startRedis(0)
	}
	if err != nil {
		unavailable(t, "cannot start a private redis-server: "+err.Error())
	}
	t.Cleanup(srv.stop)
	return srv
}

// stall makes the Redis at addr sleep for d with DEBUG SLEEP, sent on a
// connection of its own. It returns once the command is in Redis's socket
// buffer, so Redis runs it before any command sent after stall returns;
// wait returns once Redis has woken up.
func stall(t *testing.T, addr string, d time.Duration) (wait func()) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(d+10*time.Second)))
	rd := bufio.NewReader(conn)
	// A PING answered first: Redis has accepted the connection and reads it
	// as soon as data arrives, like the client's (a connection it has not
	// accepted yet would be read only after them).
	_, err = conn.Write([]byte("*1\r\n$4\r\nPING\r\n"))
	require.NoError(t, err)
	reply, err := rd.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "+PONG\r\n", reply)
	secs := strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
	cmd := "*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$" + strconv.Itoa(len(secs)) + "\r\n" + secs + "\r\n"
	_, err = conn.Write([]byte(cmd))
	require.NoError(t, err)
	return func() {
		t.Helper()
		reply, err := rd.ReadString('\n')
		require.NoError(t, err)
		require.Equal(t, "+OK\r\n", reply, "DEBUG SLEEP refused")
	}
}

// clientKinds are the ways the tests build a client: as the README shows,
// and with go-redis's defaults, which ignore a context's deadline.
var clientKinds = []struct {
	name string
	opts func(addr string) *redis.Options
}{
	{"README client", func(addr string) *redis.Options {
		return &redis.Options{Addr: addr, ContextTimeoutEnabled: true}
	}},
	{"default client", func(addr string) *redis.Options {
		return &redis.Options{Addr: addr}
	}},
}

// Redis stalls (DEBUG SLEEP 3) while a delivery claims its id: the
// middleware answers 503 within the store's Timeout, long before Redis
// wakes. The stalled claim still runs once Redis wakes, and Claim's undo
// runs right after it, so the sender's retry once Redis is back is
// processed at once instead of meeting a claim held for ClaimTTL.
func TestRedisStallDuringClaim(t *testing.T) {
	t.Parallel()
	const (
		timeout  = 300 * time.Millisecond
		sleep    = 3 * time.Second
		claimTTL = time.Minute // what the sender would wait without the undo
	)
	for _, kind := range clientKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			srv := needDebugRedis(t)
			f := newFleetWith(t, 1, kind.opts(srv.addr), redisstore.Options{Timeout: timeout},
				webhook.MiddlewareOptions{ClaimTTL: claimTTL}, nil)
			base := time.Now()
			// Load the scripts and leave an idle connection in the pool, so
			// that the claim below is sent to Redis at once.
			require.Equal(t, http.StatusNoContent, f.deliver(0, "warm", base).Code)

			wait := stall(t, srv.addr, sleep)
			start := time.Now()
			w := f.deliver(0, "msg", base.Add(time.Second))
			took := time.Since(start)
			assert.Equal(t, http.StatusServiceUnavailable, w.Code)
			assert.NotEmpty(t, w.Header().Get("Retry-After"))
			assert.Less(t, took, sleep/2, "the claim waited for Redis instead of its Timeout")
			wait()

			// The sender retries, each attempt signed afresh.
			back := time.Now()
			var codes []int
			for attempt := 2; ; attempt++ {
				w := f.deliver(0, "msg", base.Add(time.Duration(attempt)*time.Second))
				codes = append(codes, w.Code)
				if w.Code/100 == 2 {
					break
				}
				require.Less(t, time.Since(back), 2*time.Second, "still refused after Redis woke: %d attempts, last %d", len(codes), w.Code)
				time.Sleep(20 * time.Millisecond)
			}
			assert.Equal(t, 1, f.runsOf("msg"))
			t.Logf("statuses after Redis woke: %v, processed %v after", codes, time.Since(back).Round(time.Millisecond))
		})
	}
}

// The same stall below the middleware: Claim, Complete, Release and Extend
// each return an error matching context.DeadlineExceeded within the
// Timeout, whichever way the client was built, and the stalled Claim leaves
// nothing behind once Redis wakes.
func TestRedisStallBoundedByTimeout(t *testing.T) {
	t.Parallel()
	const (
		timeout = 300 * time.Millisecond
		sleep   = 3 * time.Second
	)
	for _, kind := range clientKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			srv := needDebugRedis(t)
			client := redis.NewClient(kind.opts(srv.addr))
			t.Cleanup(func() { _ = client.Close() })
			prefix := uniquePrefix()
			s := redisstore.New(client, &redisstore.Options{Prefix: prefix, Timeout: timeout})
			ctx := context.Background()
			held, err := s.Claim(ctx, webhook.ClaimRequest{Key: "held", TTL: time.Minute})
			require.NoError(t, err)
			require.Equal(t, webhook.Claimed, held.Status)

			stalled := webhook.ClaimRequest{Key: "k", TTL: time.Minute, ReplayKey: "r", ReplayTTL: time.Minute}
			calls := []struct {
				name string
				call func() error
			}{
				{"claim", func() error {
					_, err := s.Claim(ctx, stalled)
					return err
				}},
				{"extend", func() error { return s.Extend(ctx, "held", held.Token, time.Minute) }},
				{"complete", func() error { return s.Complete(ctx, "held", held.Token, time.Minute) }},
				{"release", func() error { return s.Release(ctx, "held", held.Token) }},
			}
			wait := stall(t, srv.addr, sleep)
			start := time.Now()
			for _, c := range calls {
				err := c.call()
				require.ErrorIs(t, err, context.DeadlineExceeded, c.name)
			}
			took := time.Since(start)
			assert.Less(t, took, sleep, "%d calls took %v", len(calls), took)
			wait()

			// The stalled claim ran once Redis woke, and its undo right
			// after: it left neither its id claimed nor its replay key
			// recorded, so even this very request is new again.
			keys := []string{prefix + "id:" + stalled.Key, prefix + "replay:" + stalled.ReplayKey}
			require.Eventually(t, func() bool {
				n, err := client.Exists(ctx, keys...).Result()
				return err == nil && n == 0
			}, 2*time.Second, 10*time.Millisecond, "the stalled claim's keys are still there")
			res, err := s.Claim(ctx, stalled)
			require.NoError(t, err)
			assert.Equal(t, webhook.Claimed, res.Status)
		})
	}
}
