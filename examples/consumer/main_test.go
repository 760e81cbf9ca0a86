package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
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

var secret = []byte("reference-consumer-secret")

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
		wantOut  string
	}{
		{"payment", `{"event":"payment.succeeded","data":{"payment":{"id":"pay_1","amount":2000,"currency":"usd"}}}`, true, false, 200, "Received webhook event: payment.succeeded\nPayment pay_1 succeeded: 2000 usd\n"},
		{"user", `{"event":"user.created","data":{"user":{"id":"usr_1","email":"a@example.com"}}}`, true, false, 200, "Received webhook event: user.created\nUser usr_1 created: a@example.com\n"},
		{"unknown type acknowledged", `{"event":"invalid.event","data":{}}`, true, false, 200, "Received webhook event: invalid.event\nUnhandled event type: invalid.event\n"},
		{"no id header is valid", `{"event":"user.created","data":{"user":{"id":"usr_2","email":"b@example.com"}}}`, true, true, 200, "Received webhook event: user.created\nUser usr_2 created: b@example.com\n"},
		{"unsigned", `{"event":"user.created"}`, false, false, 400, ""},
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
		assert.JSONEq(t, `{"error":"unauthorized"}`, rec.Body.String())
		assert.Empty(t, out.String())
	})

	t.Run("retried delivery handled once", func(t *testing.T) {
		t.Parallel()
		var out syncBuffer
		h := newHandler(v, &out)
		body := `{"event":"user.created","data":{"user":{"id":"usr_3","email":"c@example.com"}}}`
		for attempt, want := range []string{`{"status":"success"}`, `{"status":"already_processed"}`} {
			req := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(body))
			// Each attempt is signed afresh, at its own time, with the same id.
			ts := time.Now().Add(time.Duration(attempt-1) * time.Second)
			require.NoError(t, signer.SignHeaders(req.Header, "msg_retried", ts, []byte(body)))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			assert.Equal(t, http.StatusOK, rec.Code)
			assert.JSONEq(t, want, rec.Body.String())
		}
		assert.Equal(t, "Received webhook event: user.created\nUser usr_3 created: c@example.com\n", out.String())
	})
}
