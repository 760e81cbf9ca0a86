package endpoints

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type gcReq struct {
	key    string
	id     int
	served int
}

// Every request is served exactly once, batches keep to their size and
// keys, no more than parallel batches run at once, and no writer is left
// when the queue is empty.
func TestGroupCommit(t *testing.T) {
	for _, parallel := range []int{1, 3} {
		t.Run(fmt.Sprint("parallel=", parallel), func(t *testing.T) {
			var running, peak atomic.Int32
			var mu sync.Mutex
			var batches [][]string
			g := &groupCommit[gcReq]{max: 8, parallel: parallel, key: func(r *gcReq) string { return r.key }}
			g.run = func(_ context.Context, batch []*gcReq) {
				n := running.Add(1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				time.Sleep(time.Millisecond) // a round trip, for the queue to build up
				keys := make([]string, len(batch))
				for i, r := range batch {
					r.served++
					keys[i] = r.key
				}
				mu.Lock()
				batches = append(batches, keys)
				mu.Unlock()
				running.Add(-1)
			}
			reqs := make([]*gcReq, 300)
			var wg sync.WaitGroup
			for i := range reqs {
				reqs[i] = &gcReq{key: fmt.Sprint("k", i%5), id: i}
				wg.Go(func() { g.do(reqs[i]) })
			}
			wg.Wait()
			for _, r := range reqs {
				require.Equal(t, 1, r.served, "request %d", r.id)
			}
			total := 0
			grouped := false
			for _, b := range batches {
				total += len(b)
				assert.LessOrEqual(t, len(b), 8)
				seen := map[string]bool{}
				for _, k := range b {
					assert.False(t, seen[k], "key %s twice in a batch %v", k, b)
					seen[k] = true
				}
				grouped = grouped || len(b) > 1
			}
			assert.Equal(t, len(reqs), total)
			assert.True(t, grouped, "concurrent requests share batches")
			assert.LessOrEqual(t, int(peak.Load()), parallel)
			g.mu.Lock()
			defer g.mu.Unlock()
			assert.Zero(t, g.writers)
			assert.Empty(t, g.queue)
		})
	}
}

// Concurrent reads of one message are made once; the cache stays within
// its bounds.
func TestMessageCache(t *testing.T) {
	c := newMessageCache()
	var reads atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			m, err := c.load("app", "m1", func() (MessageRecord, error) {
				reads.Add(1)
				<-release
				return MessageRecord{ID: "m1", Payload: []byte(`{}`)}, nil
			})
			assert.NoError(t, err)
			assert.Equal(t, "m1", m.ID)
		})
	}
	time.Sleep(20 * time.Millisecond) // let them all queue behind the first
	close(release)
	wg.Wait()
	assert.Equal(t, int32(1), reads.Load())

	failed := fmt.Errorf("boom")
	_, err := c.load("app", "m2", func() (MessageRecord, error) { return MessageRecord{}, failed })
	require.ErrorIs(t, err, failed)
	_, err = c.load("app", "m2", func() (MessageRecord, error) { return MessageRecord{ID: "m2"}, nil })
	require.NoError(t, err, "a failed read is not kept")

	big := make([]byte, 64<<10)
	for i := range 2 * maxCachedMessages {
		_, _ = c.load("app", fmt.Sprint("b", i), func() (MessageRecord, error) {
			return MessageRecord{ID: fmt.Sprint("b", i), Payload: big}, nil
		})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	assert.LessOrEqual(t, len(c.m), maxCachedMessages)
	assert.LessOrEqual(t, c.bytes, maxCachedMsgBytes)
	assert.Empty(t, c.loading)
}
