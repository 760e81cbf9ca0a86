package durable_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
)

// The inbox behind the core middleware stores the verified event and a
// Mux runs its handler in a worker; a forged request never reaches it.
func TestInboxBehindMiddleware(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *testDB) {
		ctx := context.Background()
		var created atomic.Int32
		got := make(chan webhook.Event, 1)
		mux := webhook.NewMux(nil)
		mux.HandleFunc("user.created", func(_ context.Context, ev webhook.Event) error {
			created.Add(1)
			got <- ev
			return nil
		})
		in := db.newInbox(t, mux.Dispatch, &durable.InboxOptions{MaxWorkers: fastWorkers})
		verifier, err := webhook.NewVerifier(testSecret, nil)
		require.NoError(t, err)
		h := webhook.Middleware(verifier, nil)(in)
		signer, err := webhook.NewSigner(testSecret, nil)
		require.NoError(t, err)
		require.NoError(t, in.Start(ctx))
		defer stop(t, in)

		body := `{"event":"user.created","data":{"id":42}}`
		post := func(sign bool) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodPost, "/hooks", strings.NewReader(body))
			if sign {
				require.NoError(t, signer.SignHeaders(req.Header, "msg_mw", time.Now(), []byte(body)))
			} else {
				req.Header.Set(webhook.SignatureHeader, "t=1,s="+strings.Repeat("0", 64))
				req.Header.Set(webhook.IDHeader, "msg_forged")
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			return w
		}
		assert.Equal(t, http.StatusUnauthorized, post(false).Code)
		w := post(true)
		require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())

		select {
		case ev := <-got:
			assert.Equal(t, "msg_mw", ev.ID)
			assert.Equal(t, "user.created", ev.Type)
			assert.JSONEq(t, body, string(ev.Payload))
		case <-time.After(20 * time.Second):
			t.Fatal("the handler never ran")
		}
		waitState(t, in.Lookup, "msg_mw", durable.StateDone)
		assert.Equal(t, int32(1), created.Load())
		_, err = in.Lookup(ctx, "msg_forged")
		require.ErrorIs(t, err, durable.ErrNotFound)
	})
}
