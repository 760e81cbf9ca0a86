package redisstore_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/signedhooks/webhook"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A handler runs for 3 x ClaimTTL on one replica while the sender's retries
// reach the other: the middleware keeps the claim alive in Redis (Extend),
// so no retry runs beside the handler, and the handler, finishing long after
// the first ClaimTTL, still marks the id done.
func TestLongHandlerKeepsItsClaim(t *testing.T) {
	t.Parallel()
	const claimTTL = 600 * time.Millisecond
	newClient(t) // skip or fail early without Redis
	f := newFleet(t, 2, sharedOpts, webhook.MiddlewareOptions{ClaimTTL: claimTTL}, func() {
		time.Sleep(3 * claimTTL)
	})
	base := time.Now()

	var first int
	var wg sync.WaitGroup
	wg.Add(1)
	start := time.Now()
	go func() {
		defer wg.Done()
		first = f.deliver(0, "long", base).Code
	}()
	// Retries, each signed afresh, while the handler runs: before, around
	// and well after the first claim's TTL.
	for i, at := range []time.Duration{claimTTL / 2, claimTTL + claimTTL/5, 2 * claimTTL, 2*claimTTL + claimTTL/2} {
		time.Sleep(time.Until(start.Add(at)))
		w := f.deliver(1, "long", base.Add(time.Duration(i+1)*time.Second))
		if time.Since(start) < 3*claimTTL { // the handler is still running
			assert.Equal(t, http.StatusConflict, w.Code, "retry at %v", at)
			assert.NotEmpty(t, w.Header().Get("Retry-After"), "retry at %v", at)
		}
	}
	wg.Wait()
	require.Equal(t, http.StatusNoContent, first)
	assert.Equal(t, 1, f.runsOf("long"))

	// The id is recorded done: a later retry is acknowledged without a run.
	w := f.deliver(1, "long", base.Add(time.Minute))
	assert.Equal(t, http.StatusOK, w.Code)
	assert.JSONEq(t, `{"status":"already_processed"}`, w.Body.String())
	assert.Equal(t, 1, f.runsOf("long"))
}
