package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signedhooks/webhook"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Reset()
}

var secret = []byte("reference-consumer-secret")

// signLikeSenderPy signs body as the reference sender.py does, without
// this module's Signer: HMAC-SHA256 of "<t>.<body>" in X-Webhook-Signature
// "t=<t>,s=<hex>", the time again in X-Webhook-Timestamp, and no id header.
func signLikeSenderPy(r *http.Request, key []byte, ts time.Time, body []byte) {
	t := strconv.FormatInt(ts.Unix(), 10)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(t + "."))
	m.Write(body)
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Webhook-Signature", "t="+t+",s="+hex.EncodeToString(m.Sum(nil)))
	r.Header.Set("X-Webhook-Timestamp", t)
}

// TestReferenceSenderPayloads replays the reference sender's three events,
// byte for byte as Python's json.dumps writes them (testdata), in order to
// one consumer, signed as sender.py signs them.
func TestReferenceSenderPayloads(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/sender_py_bodies.txt")
	require.NoError(t, err)
	bodies := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	require.Len(t, bodies, 3)
	v, err := webhook.NewVerifier(secret, nil)
	require.NoError(t, err)

	tests := []struct {
		name     string
		key      []byte // SECRET_OVERRIDE when not the shared secret
		wantCode int
		wantBody []string
		wantOut  []string
	}{
		{"shared secret", secret, http.StatusOK,
			[]string{`{"status":"ok"}`, `{"status":"ok"}`, `{"status":"ignored"}`},
			[]string{
				"Received webhook event: payment.succeeded\nPayment pi_3Mqwerty: $49.99 succeeded\n",
				"Received webhook event: user.created\nUser bob@example.com created: Bob Smith\n",
				"Received webhook event: invalid.event\n",
			}},
		{"wrong secret", []byte("not-the-consumer-secret"), http.StatusUnauthorized,
			[]string{errorJSON("unauthorized"), errorJSON("unauthorized"), errorJSON("unauthorized")},
			[]string{"", "", ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out syncBuffer
			h := newHandler(v, &out)
			for i, body := range bodies {
				req := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(body))
				signLikeSenderPy(req, tc.key, time.Now(), []byte(body))
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				assert.Equal(t, tc.wantCode, rec.Code, "event %d: %s", i, rec.Body.String())
				assert.JSONEq(t, tc.wantBody[i], rec.Body.String(), "event %d", i)
				assert.Equal(t, tc.wantOut[i], out.String(), "event %d", i)
				out.Reset()
			}
		})
	}
}

func TestConsumer(t *testing.T) {
	t.Parallel()
	v, err := webhook.NewVerifier(secret, nil)
	require.NoError(t, err)
	signer, err := webhook.NewSigner(secret, nil)
	require.NoError(t, err)

	tests := []struct {
		name     string
		body     string
		sign     bool
		noID     bool
		wantCode int
		wantBody string
		wantOut  string
	}{
		{"payment in euros", `{"event":"payment.succeeded","data":{"payment":{"id":"pay_1","amount":20.5,"currency":"EUR"}}}`, true, false,
			200, `{"status":"ok"}`, "Received webhook event: payment.succeeded\nPayment pay_1: 20.5 EUR succeeded\n"},
		{"integer amount", `{"event":"payment.succeeded","data":{"payment":{"id":"pay_2","amount":2000,"currency":"usd"}}}`, true, false,
			200, `{"status":"ok"}`, "Received webhook event: payment.succeeded\nPayment pay_2: $2000 succeeded\n"},
		{"user without a name", `{"event":"user.created","data":{"user":{"email":"a@example.com"}}}`, true, false,
			200, `{"status":"ok"}`, "Received webhook event: user.created\nUser a@example.com created\n"},
		{"type field of Standard Webhooks", `{"type":"user.created","data":{"user":{"email":"t@example.com"}}}`, true, false,
			200, `{"status":"ok"}`, "Received webhook event: user.created\nUser t@example.com created\n"},
		{"unknown type acknowledged", `{"event":"invalid.event","data":{}}`, true, false,
			200, `{"status":"ignored"}`, "Received webhook event: invalid.event\n"},
		{"no id header is valid", `{"event":"user.created","data":{"user":{"email":"b@example.com","name":"B"}}}`, true, true,
			200, `{"status":"ok"}`, "Received webhook event: user.created\nUser b@example.com created: B\n"},
		// Payloads no retry can fix are acknowledged, not answered 4xx/5xx.
		{"amount not a number", `{"event":"payment.succeeded","data":{"payment":{"id":"pay_3","amount":"lots"}}}`, true, false,
			200, `{"status":"unprocessable"}`, "Received webhook event: payment.succeeded\n"},
		{"no data", `{"event":"payment.succeeded"}`, true, false,
			200, `{"status":"unprocessable"}`, "Received webhook event: payment.succeeded\n"},
		{"no payment in the data", `{"event":"payment.succeeded","data":{"refund":{}}}`, true, false,
			200, `{"status":"unprocessable"}`, "Received webhook event: payment.succeeded\n"},
		{"no user in the data", `{"event":"user.created","data":null}`, true, false,
			200, `{"status":"unprocessable"}`, "Received webhook event: user.created\n"},
		{"unsigned", `{"event":"user.created"}`, false, false,
			400, errorJSON("missing_signature"), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out syncBuffer
			h := newHandler(v, &out)
			req := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(tc.body))
			if tc.sign {
				require.NoError(t, signer.SignRequest(req, ""))
			}
			if tc.noID {
				req.Header.Del(webhook.IDHeader)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			assert.Equal(t, tc.wantCode, rec.Code, rec.Body.String())
			assert.JSONEq(t, tc.wantBody, rec.Body.String())
			assert.Equal(t, tc.wantOut, out.String())
		})
	}

	t.Run("tampered", func(t *testing.T) {
		t.Parallel()
		var out syncBuffer
		req := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(`{"event":"user.created"}`))
		require.NoError(t, signer.SignRequest(req, ""))
		req.Body = http.NoBody
		rec := httptest.NewRecorder()
		newHandler(v, &out).ServeHTTP(rec, req)
		assert.Equal(t, http.StatusUnauthorized, rec.Code)
		assert.JSONEq(t, errorJSON("unauthorized"), rec.Body.String())
		assert.Empty(t, out.String())
	})

	t.Run("retried delivery handled once", func(t *testing.T) {
		t.Parallel()
		var out syncBuffer
		h := newHandler(v, &out)
		body := `{"event":"user.created","data":{"user":{"email":"c@example.com"}}}`
		for attempt, want := range []string{`{"status":"ok"}`, `{"status":"already_processed"}`} {
			req := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(body))
			// Each attempt is signed afresh, at its own time, with the same id.
			ts := time.Now().Add(time.Duration(attempt-1) * time.Second)
			require.NoError(t, signer.SignHeaders(req.Header, "msg_retried", ts, []byte(body)))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			assert.Equal(t, http.StatusOK, rec.Code)
			assert.JSONEq(t, want, rec.Body.String())
		}
		assert.Equal(t, "Received webhook event: user.created\nUser c@example.com created\n", out.String())
	})
}

// errorJSON is the body webhook.Middleware answers by default for an error
// code: the webhook.ErrorResponse that webhook.WriteError writes.
func errorJSON(code string) string {
	rec := httptest.NewRecorder()
	webhook.WriteError(rec, http.StatusTeapot, webhook.ErrorResponse{Code: code})
	return rec.Body.String()
}
