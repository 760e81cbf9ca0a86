package webhooktest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/webhooktest"
)

// TestNewRequest: a request from NewRequest passes the middleware of its
// scheme, reaches the Mux with its type and data, and carries the
// envelope a Sender sends.
func TestNewRequest(t *testing.T) {
	t.Parallel()
	for _, sc := range schemes(t) {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			c := newConsumer(t, sc.auth, nil)
			msg := paid()
			msg.ID = "msg_1"
			r := webhooktest.NewRequest(sc.signer, "/webhooks", msg)
			assert.Equal(t, http.MethodPost, r.Method)
			assert.Equal(t, "/webhooks", r.URL.Path)

			rec := httptest.NewRecorder()
			c.ServeHTTP(rec, r)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			assert.JSONEq(t, `{"status":"ok"}`, rec.Body.String())
			assert.Equal(t, []string{"msg_1"}, c.Ran())

			var env map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(readBody(t, webhooktest.NewRequest(sc.signer, "/", msg)), &env))
			assert.JSONEq(t, `"msg_1"`, string(env["id"]))
			assert.JSONEq(t, `{"id":"pi_1","amount":49.99}`, string(env["data"]))
		})
	}
}

// TestNewRequestSameAsSender: the bytes NewRequest signs are the bytes a
// Sender sends, headers included.
func TestNewRequestSameAsSender(t *testing.T) {
	t.Parallel()
	at := time.Unix(1700000000, 0)
	srv := webhooktest.NewServer(nil)
	defer srv.Close()
	signer := webhooktest.Native(nativeSecret)
	s, err := webhook.NewSender(&webhook.SenderOptions{Signer: signer, Now: func() time.Time { return at }})
	require.NoError(t, err)
	msg := paid()
	msg.ID = "msg_same"
	_, err = s.Send(context.Background(), srv.URL, msg)
	require.NoError(t, err)
	got, err := srv.Wait(context.Background(), 1)
	require.NoError(t, err)

	r := webhooktest.Provider{Signer: signer, Now: func() time.Time { return at }}.NewRequest("/", msg)
	assert.Equal(t, string(got[0].Body), string(readBody(t, r)))
	for _, h := range []string{webhook.SignatureHeader, webhook.IDHeader, webhook.TimestampHeader, "Content-Type"} {
		assert.Equal(t, got[0].Header.Get(h), r.Header.Get(h), h)
	}
}

func TestNewRequestGeneratesID(t *testing.T) {
	t.Parallel()
	a := webhooktest.NewRequest(webhooktest.Native(nativeSecret), "/", paid())
	b := webhooktest.NewRequest(webhooktest.Native(nativeSecret), "/", paid())
	assert.NotEmpty(t, a.Header.Get(webhook.IDHeader))
	assert.NotEqual(t, a.Header.Get(webhook.IDHeader), b.Header.Get(webhook.IDHeader))
	assert.NotEqual(t, a.Header.Get(webhook.SignatureHeader), b.Header.Get(webhook.SignatureHeader),
		"equal type and data, distinct messages: distinct signatures")
}

func TestPanics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		f    func()
	}{
		{"nil signer", func() { webhooktest.NewRequest(nil, "/", paid()) }},
		{"payload and data", func() {
			webhooktest.NewRequest(webhooktest.Native(nativeSecret), "/", webhook.Message{Payload: []byte("{}"), Data: 1})
		}},
		{"data that does not marshal", func() {
			webhooktest.NewRequest(webhooktest.Native(nativeSecret), "/", webhook.Message{Data: func() {}})
		}},
		{"short native secret", func() { webhooktest.Native("short") }},
		{"bad standard webhooks key", func() { webhooktest.StandardWebhooks("whsec_!!") }},
		{"public key for a signer", func() { webhooktest.StandardWebhooks("whpk_" + "AAAA") }},
		{"empty stripe secret", func() { webhooktest.Stripe("") }},
		{"empty github secret", func() { webhooktest.GitHub("") }},
		{"provider without signer", func() { webhooktest.Provider{}.Deliver(http.NotFoundHandler(), paid()) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Panics(t, tc.f)
		})
	}
}

func readBody(t *testing.T, r *http.Request) []byte {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	return b
}
