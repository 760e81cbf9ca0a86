package durable

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable/internal/core"
)

// legacyDeliveryArgs is an outbox job as queued before messages had a type
// and data: id, URL and the raw payload.
type legacyDeliveryArgs struct {
	ID      string `json:"id"`
	URL     string `json:"url"`
	Payload []byte `json:"payload"`
}

func (legacyDeliveryArgs) Kind() string { return core.DeliveryKind }

// A job queued by the previous version still delivers its payload byte for
// byte, and its retry within the same second passes the consumer's replay
// guard.
func TestDeliverLegacyJob(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	secret := []byte("0123456789abcdef0123456789abcdef")
	payload := []byte(`{"event":"order.created",  "data":{"id":"ord_1"}}`)

	var (
		mu       sync.Mutex
		statuses []int
		bodies   [][]byte
		signed   []int64
	)
	v, err := webhook.NewVerifier(secret, nil)
	require.NoError(t, err)
	first := true
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		bodies = append(bodies, body)
		ev, _ := webhook.EventFromContext(r.Context())
		signed = append(signed, ev.Timestamp.Unix())
		if first {
			first = false
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	mw := webhook.Middleware(v, nil)(next)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		mw.ServeHTTP(rec, r)
		mu.Lock()
		statuses = append(statuses, rec.Code)
		mu.Unlock()
		w.WriteHeader(rec.Code)
	}))
	defer srv.Close()

	db, err := OpenSQLite(filepath.Join(t.TempDir(), "legacy.db"))
	require.NoError(t, err)
	defer db.Close()
	b := SQLite(db)
	require.NoError(t, Migrate(ctx, b))
	rt, err := NewRuntime(b, nil)
	require.NoError(t, err)
	o, err := NewOutbox(rt, &webhook.SenderOptions{Secret: secret, Retry: webhook.Schedule{10 * time.Millisecond}}, nil)
	require.NoError(t, err)
	client, err := rt.river()
	require.NoError(t, err)
	_, err = client.Insert(ctx, legacyDeliveryArgs{ID: "msg_legacy", URL: srv.URL, Payload: payload},
		&river.InsertOpts{Queue: core.OutboxQueue})
	require.NoError(t, err)
	require.NoError(t, rt.Start(ctx))
	defer func() {
		stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		require.NoError(t, rt.Stop(stopCtx))
	}()

	require.Eventually(t, func() bool {
		it, err := o.Lookup(ctx, "msg_legacy")
		return err == nil && it.State == StateDone
	}, 20*time.Second, 10*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []int{http.StatusInternalServerError, http.StatusOK}, statuses)
	for _, body := range bodies {
		assert.Equal(t, string(payload), string(body))
	}
	require.Len(t, signed, 2)
	assert.Greater(t, signed[1], signed[0], "the retry is signed after its attempt")

	// The job now records its last signature for the next run.
	job, err := findJob(ctx, rt, core.DeliveryKind, "msg_legacy")
	require.NoError(t, err)
	assert.Equal(t, signed[1], gjson.GetBytes(job.Metadata, core.MetaSigned+".at").Int())
	assert.Equal(t, int64(2), gjson.GetBytes(job.Metadata, core.MetaSigned+".run").Int())
}

// envelopeSize (core.EnvelopeSize) is the length of the body the Sender sends for Data.
func TestEnvelopeSize(t *testing.T) {
	t.Parallel()
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got.Store(int64(len(body)))
	}))
	defer srv.Close()
	sender, err := webhook.NewSender(&webhook.SenderOptions{Secret: []byte("0123456789abcdef0123456789abcdef")})
	require.NoError(t, err)
	tests := []struct {
		name, id, typ string
		data          json.RawMessage
	}{
		{"plain", "msg_1", "order.created", json.RawMessage(`{"n":1}`)},
		{"empty type", "msg_2", "", json.RawMessage(`null`)},
		{"escaped", "msg_<3>", "a\"b\\c&\u00e9\n", json.RawMessage(`"x"`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sender.Attempt(context.Background(), srv.URL, webhook.Message{ID: tc.id, Type: tc.typ, Data: tc.data},
				webhook.AttemptOptions{Number: 1})
			require.NoError(t, err)
			assert.Equal(t, int64(core.EnvelopeSize(tc.id, tc.typ, len(tc.data))), got.Load())
		})
	}
}
