package webhook_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
)

// The middleware finds the body's event type only when something asks for
// it. Whoever asks, the hook sees the same type as the handler would: for a
// handler that never looks, for a duplicate (no handler runs), and for a
// failure.
func TestMiddlewareTypeForTheHook(t *testing.T) {
	t.Parallel()
	stripeShaped := `{"id":"evt_1","object":"event","data":{"object":{"amount":1}},"type":"payment_intent.succeeded"}`
	for _, tc := range []struct {
		name     string
		body     string
		status   int // the handler's
		wantType string
		fields   []string
	}{
		{"processed", eventBody, http.StatusOK, "payment.succeeded", nil},
		{"failed", eventBody, http.StatusInternalServerError, "payment.succeeded", nil},
		{"type last", stripeShaped, http.StatusOK, "payment_intent.succeeded", nil},
		{"own fields", `{"kind":"a.b","event":"c.d"}`, http.StatusOK, "a.b", []string{"kind"}},
		{"no type", `{"data":{}}`, http.StatusOK, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			var rec recorder
			h := webhook.Middleware(f.verifier, &webhook.MiddlewareOptions{OnOutcome: rec.hook, TypeFields: tc.fields})(
				http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(tc.status) }))
			serve(h, f.request(tc.body, "msg_1", mwNow))
			assert.Equal(t, tc.wantType, rec.last(t).Type)
			if tc.status == http.StatusOK {
				serve(h, f.request(tc.body, "msg_1", mwNow.Add(time.Second)))
				o := rec.last(t)
				require.Equal(t, webhook.OutcomeDuplicate, o.Kind)
				assert.Equal(t, tc.wantType, o.Type)
			}
		})
	}
}

// Handlers may ask for the event from several goroutines at once: each
// sees the type, found once (the race detector checks the "once").
func TestMiddlewareTypeConcurrentReaders(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	var rec recorder
	const readers = 8
	types := make(chan string, readers)
	h := webhook.Middleware(f.verifier, &webhook.MiddlewareOptions{OnOutcome: rec.hook})(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var wg sync.WaitGroup
			for range readers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ev, ok := webhook.EventFromContext(r.Context())
					if !ok {
						types <- "no event"
						return
					}
					types <- ev.Type
				}()
			}
			wg.Wait()
		}))
	resp := serve(h, f.request(eventBody, "msg_1", mwNow))
	require.Equal(t, http.StatusOK, resp.Code)
	close(types)
	n := 0
	for typ := range types {
		assert.Equal(t, "payment.succeeded", typ)
		n++
	}
	assert.Equal(t, readers, n)
	assert.Equal(t, "payment.succeeded", rec.last(t).Type)
}
