package durable_test

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
)

// TestConcurrentEnqueueDuplicates enqueues every id from several goroutines
// at once, so that copies of one id share a batch or race across batches:
// exactly one caller per id must store it, the others see a duplicate of the
// same job.
func TestConcurrentEnqueueDuplicates(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *testDB) {
		o := db.newOutbox(t, nil, &durable.OutboxOptions{MaxWorkers: fastWorkers})
		const ids, copies = 50, 4
		var (
			mu   sync.Mutex
			got  = make(map[string][]durable.Delivery, ids)
			wg   sync.WaitGroup
			errs = make(chan error, ids*copies)
		)
		for c := range copies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range ids {
					id := "msg_" + strconv.Itoa((i+c*7)%ids)
					d, err := o.Enqueue(context.Background(), "http://127.0.0.1:1/", durable.Message{ID: id, Payload: []byte(`{}`)})
					if err != nil {
						errs <- err
						continue
					}
					mu.Lock()
					got[id] = append(got[id], d)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		require.Len(t, got, ids)
		for id, ds := range got {
			require.Len(t, ds, copies, id)
			stored := 0
			for _, d := range ds {
				assert.Equal(t, id, d.MessageID)
				assert.Equal(t, ds[0].JobID, d.JobID, id)
				if !d.Duplicate {
					stored++
				}
			}
			assert.Equal(t, 1, stored, id)
		}
	})
}

// TestConcurrentStoreDuplicates is the same for the inbox.
func TestConcurrentStoreDuplicates(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *testDB) {
		in := db.newInbox(t, func(context.Context, webhook.Event) error { return nil }, &durable.InboxOptions{MaxWorkers: fastWorkers})
		const ids, copies = 50, 4
		var (
			mu     sync.Mutex
			stored = make(map[string]int, ids)
			seen   = make(map[string]int, ids)
			wg     sync.WaitGroup
			errs   = make(chan error, ids*copies)
		)
		for c := range copies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range ids {
					id := "evt_" + strconv.Itoa((i+c*7)%ids)
					dup, err := in.Store(context.Background(), webhook.Event{ID: id, Payload: []byte(`{}`)})
					if err != nil {
						errs <- err
						continue
					}
					mu.Lock()
					seen[id]++
					if !dup {
						stored[id]++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		require.Len(t, seen, ids)
		for id, n := range seen {
			assert.Equal(t, copies, n, id)
			assert.Equal(t, 1, stored[id], id)
		}
	})
}
