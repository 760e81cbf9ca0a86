package redisstore_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/signedhooks/webhook"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Redis dies in the middle of a run and comes back on the same port with its
// data (AOF, fsync on every write). While it is down, deliveries get 503 with
// Retry-After and nothing is marked done; once it is back, the senders'
// retries succeed and every message is processed exactly once.
func TestRedisOutage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	persist := []string{"--appendonly", "yes", "--appendfsync", "always", "--save", ""}
	srv, err := startRedisWith(0, dir, persist...)
	if err != nil {
		unavailable(t, "cannot start a private redis-server: "+err.Error())
	}
	t.Cleanup(func() { srv.stop() })

	// Clients tuned to fail fast; a claim whose reply the crash cut off
	// holds its id for ClaimTTL at most.
	opts := &redis.Options{
		Addr: srv.addr, DialTimeout: 200 * time.Millisecond,
		ReadTimeout: time.Second, WriteTimeout: time.Second,
		MaxRetries: 1, DialerRetries: 1,
	}
	f := newFleet(t, 2, opts, webhook.MiddlewareOptions{ClaimTTL: 2 * time.Second}, nil)
	base := time.Now()

	// send delivers id like a sender: every attempt signed afresh, to the
	// replicas in turn, until a 2xx or the deadline. It returns the status
	// of every attempt.
	send := func(id string, deadline time.Time) []int {
		var codes []int
		for attempt := 0; ; attempt++ {
			w := f.deliver(attempt, id, base.Add(time.Duration(attempt)*time.Second))
			codes = append(codes, w.Code)
			if w.Code == http.StatusServiceUnavailable || w.Code == http.StatusConflict {
				assert.NotEmpty(t, w.Header().Get("Retry-After"), "%d without Retry-After", w.Code)
			}
			if w.Code/100 == 2 || time.Now().After(deadline) {
				return codes
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	// Senders deliver a stream of messages, before, during and after the
	// outage.
	const messages = 60
	deadline := time.Now().Add(30 * time.Second)
	codes := make([][]int, messages)
	var wg sync.WaitGroup
	for i := range messages {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * 15 * time.Millisecond)
			codes[i] = send(fmt.Sprint("stream_", i), deadline)
		}()
	}

	before := f.deliver(0, "before", base)
	require.Equal(t, http.StatusNoContent, before.Code)

	time.Sleep(300 * time.Millisecond)
	srv.stop()

	// Down: a new message and a duplicate of a processed one both get 503,
	// and the handler does not run.
	for i, id := range []string{"during", "before"} {
		w := f.deliver(i, id, base.Add(time.Minute))
		assert.Equal(t, http.StatusServiceUnavailable, w.Code, id)
		assert.NotEmpty(t, w.Header().Get("Retry-After"), id)
	}
	assert.Equal(t, 0, f.runsOf("during"))

	time.Sleep(300 * time.Millisecond)
	srv, err = startRedisWith(srv.port, dir, persist...)
	require.NoError(t, err, "restart on the same port")

	// Back: "during" was never marked done, so its retry is processed; the
	// done marker of "before" survived the restart.
	during := send("during", deadline)
	assert.Equal(t, http.StatusNoContent, during[len(during)-1], "statuses %v", during)
	wg.Wait()

	assert.Equal(t, 1, f.runsOf("before"))
	assert.Equal(t, 1, f.runsOf("during"))
	unavailableSeen := 0
	for i := range messages {
		id := fmt.Sprint("stream_", i)
		require.NotEmpty(t, codes[i], id)
		assert.Equal(t, http.StatusNoContent, codes[i][len(codes[i])-1], "%s: last status of %v", id, codes[i])
		assert.Equal(t, 1, f.runsOf(id), "%s runs (statuses %v)", id, codes[i])
		for _, c := range codes[i] {
			if c == http.StatusServiceUnavailable {
				unavailableSeen++
			}
		}
	}
	assert.Positive(t, unavailableSeen, "no sender saw the outage")
	t.Logf("503s seen by the stream: %d", unavailableSeen)

	// Every message is remembered across the restart: a late duplicate is
	// acknowledged. (A replica whose client saw the outage may answer 503
	// for up to a second more: go-redis redials a failed pool once a second.)
	base = base.Add(time.Hour / 2)
	for _, id := range []string{"before", "during", "stream_0", fmt.Sprint("stream_", messages-1)} {
		codes := send(id, deadline)
		assert.Equal(t, http.StatusOK, codes[len(codes)-1], "%s: statuses %v", id, codes)
		assert.Equal(t, 1, f.runsOf(id), id)
	}
}
