package main

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/internal/longtest"
	"github.com/signedhooks/webhook/webhooktest"
)

// crashN is how many events the crash tests send: 2,000, except on SQLite
// under the race detector or with -short: 300 (the relay process is the
// race-built test binary, and the pure-Go SQLite driver slows about
// tenfold under it: 2,000 take minutes there). WEBHOOK_RELAY_CRASH_N
// overrides it.
func crashN(t *testing.T, kind string) int {
	if s := os.Getenv("WEBHOOK_RELAY_CRASH_N"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(t, err)
		return n
	}
	if testing.Short() || (raceEnabled && kind == "sqlite") {
		return 300
	}
	return 2000
}

// crashConfig fans every event of one source out to a and b. Deliveries
// interrupted by SIGKILL are rescued after the endpoints' job timeout
// (the attempt timeout plus 15 s).
const crashConfig = `
database: %s
listen: 127.0.0.1:0
admin_listen: 127.0.0.1:0
sources:
  - {name: n, path: /in, scheme: native, secret_env: NATIVE_SECRET}
%s
routes:
  - {source: n, to: [a, b]}
delivery: {attempts: 50, initial_delay: 100ms, max_delay: 1s, attempt_timeout: 2s, job_timeout: 3s, rescue_after: 4s, poll_interval: 20ms, breaker_cooldown: 200ms, breaker_max_cooldown: 1s}
`

// sendAll sends events 0..n-1 from 4 goroutines, each to the base URL
// that base returns at that moment, and returns the ids not accepted.
func sendAll(ids []string, base func() string) []string {
	signer := webhooktest.Native(nativeSecret)
	var mu sync.Mutex
	var failed []string
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(ids) {
					return
				}
				status, err := post(base(), delivery{path: "/in", signer: signer, id: ids[i],
					body: `{"event":"crash.test","data":{"n":` + strconv.Itoa(i) + `}}`})
				if err != nil || status != http.StatusAccepted {
					fmt.Fprintf(os.Stderr, "sendAll: %s: status %d, error %v\n", ids[i], status, err)
					mu.Lock()
					failed = append(failed, ids[i])
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return failed
}

// resend sends the ids that were not accepted again, as a provider does
// (Stripe and GitHub retry a delivery that timed out or got a 5xx), up to
// 8 rounds with a growing pause, and returns those still refused. A
// restarted relay on a loaded machine may answer its first requests after
// the client's 10 s timeout, or 503 when the provider gave up first: the
// one SQLite connection is busy with the rescued backlog. Whether each
// accepted event then arrives once is what the callers check.
func resend(t *testing.T, failed []string, base func() string) []string {
	t.Helper()
	for round := 1; round <= 8 && len(failed) > 0; round++ {
		if round > 1 {
			time.Sleep(time.Duration(round) * 500 * time.Millisecond)
		}
		t.Logf("resending %d events, round %d", len(failed), round)
		failed = sendAll(failed, base)
	}
	return failed
}

func crashIDs(n int) (provider, relayed []string) {
	for i := range n {
		id := "crash-" + strconv.Itoa(i)
		provider, relayed = append(provider, id), append(relayed, "n:"+id)
	}
	return provider, relayed
}

// checkOnce asserts that every id was processed exactly once by d.
func checkOnce(t *testing.T, d *destination, ids []string) {
	t.Helper()
	processed, arrivals, bad := d.snapshot()
	repeats := 0
	for _, id := range ids {
		require.Equal(t, 1, processed[id], "destination %s processed %s", d.name, id)
		repeats += arrivals[id] - 1
	}
	assert.Len(t, processed, len(ids), "destination %s processed events it was not sent", d.name)
	assert.Zero(t, bad, "destination %s: deliveries that did not verify", d.name)
	t.Logf("destination %s: %d events processed once each, after %d further requests (retries, and repeats acknowledged as duplicates)", d.name, len(ids), repeats)
}

func TestCrashSQLite(t *testing.T) {
	longtest.Require(t, "relay killed mid-run, SQLite")
	t.Parallel()
	n := crashN(t, "sqlite")
	dir := t.TempDir()
	a, b := newDestination(t, "a"), newDestination(t, "b")
	cfg := sprintf(crashConfig, dir+"/relay.db", destinationsYAML(a, b))
	env := append(destEnv(a, b), providerEnv...)
	p1 := startRelay(t, dir, cfg, env...)
	provider, relayed := crashIDs(n)

	var base atomic.Value
	base.Store(p1.in)
	sent := make(chan []string, 1)
	go func() { sent <- sendAll(provider, func() string { return base.Load().(string) }) }()
	require.Eventually(t, func() bool { return a.count() >= n/5 }, 120*time.Second, 5*time.Millisecond)
	p1.kill()
	failed := <-sent
	t.Logf("killed with %d of %d delivered to a; %d sends to retry", a.count(), n, len(failed))

	p2 := startRelay(t, dir, cfg, env...)
	base.Store(p2.in)
	require.Empty(t, resend(t, failed, func() string { return p2.in }), "the restarted relay refused deliveries")
	a.waitFor(t, relayed, 180*time.Second, p2.admin)
	b.waitFor(t, relayed, 180*time.Second, p2.admin)
	checkOnce(t, a, relayed)
	checkOnce(t, b, relayed)
	p2.stop(t)
}

// TestCrashPostgresTwoProcesses runs two relays on one PostgreSQL, the
// provider alternating between them, kills one in the middle, and starts
// it again.
func TestCrashPostgresTwoProcesses(t *testing.T) {
	longtest.Require(t, "one of two relays killed mid-run, PostgreSQL")
	t.Parallel()
	db := postgresURL(t)
	n := crashN(t, "postgres")
	dir := t.TempDir()
	a, b := newDestination(t, "a"), newDestination(t, "b")
	cfg := sprintf(crashConfig, db, destinationsYAML(a, b))
	env := append(destEnv(a, b), providerEnv...)
	p1 := startRelay(t, dir, cfg, env...)
	p2 := startRelay(t, dir, cfg, env...)
	provider, relayed := crashIDs(n)

	var bases atomic.Pointer[[2]string]
	bases.Store(&[2]string{p1.in, p2.in})
	var turn atomic.Int64
	pick := func() string { return bases.Load()[turn.Add(1)%2] }
	sent := make(chan []string, 1)
	go func() { sent <- sendAll(provider, pick) }()
	require.Eventually(t, func() bool { return a.count() >= n/5 }, 120*time.Second, 5*time.Millisecond)
	p1.kill()
	failed := <-sent
	t.Logf("killed one relay with %d of %d delivered to a; %d sends to retry", a.count(), n, len(failed))

	p3 := startRelay(t, dir, cfg, env...)
	bases.Store(&[2]string{p3.in, p2.in})
	require.Empty(t, resend(t, failed, pick), "the relays refused deliveries")
	a.waitFor(t, relayed, 180*time.Second, p2.admin, p3.admin)
	b.waitFor(t, relayed, 180*time.Second, p2.admin, p3.admin)
	checkOnce(t, a, relayed)
	checkOnce(t, b, relayed)
	p2.stop(t)
	p3.stop(t)
}
