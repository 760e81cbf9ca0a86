package main

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/internal/longtest"
)

// TestDestinationDown keeps destination b down (503) while events flow:
// a receives every event meanwhile, and b receives each once it is back.
func TestDestinationDown(t *testing.T) {
	longtest.Require(t, "a destination down while 100 events flow")
	t.Parallel()
	const n = 100
	dir := t.TempDir()
	a, b := newDestination(t, "a"), newDestination(t, "b")
	b.setDown(true)
	cfg := sprintf(crashConfig, dir+"/relay.db", destinationsYAML(a, b))
	p := startRelay(t, dir, cfg, append(destEnv(a, b), providerEnv...)...)

	var provider, relayed []string
	for i := range n {
		provider = append(provider, "down-"+strconv.Itoa(i))
		relayed = append(relayed, "n:down-"+strconv.Itoa(i))
	}
	// Receipt is not what this test is about: a send that failed (on a
	// loaded machine, the one SQLite connection is shared with the
	// bookkeeping of b's failures) is sent again, as a provider would.
	failed := sendAll(provider, func() string { return p.in })
	require.Empty(t, resend(t, failed, func() string { return p.in }))
	a.waitFor(t, relayed, 60*time.Second, p.admin)
	processed, arrivals, _ := b.snapshot()
	require.Empty(t, processed, "b was down")
	require.NotEmpty(t, arrivals, "the relay did not try b while a was served")

	b.setDown(false)
	b.waitFor(t, relayed, 60*time.Second, p.admin)
	checkOnce(t, a, relayed)
	checkOnce(t, b, relayed)
	p.stop(t)
}
