package main

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
)

var secret = []byte("idempotent-consumer-secret-0123")

func TestIdempotentConsumer(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	app, err := newApp(secret, slog.New(slog.NewJSONHandler(&logs, nil)))
	require.NoError(t, err)
	srv := httptest.NewServer(app.routes())
	defer srv.Close()
	signer, err := webhook.NewSigner(secret, nil)
	require.NoError(t, err)

	// deliver posts body as attempt n of message id; each attempt is signed
	// at its own time, as a sender's retries are.
	deliver := func(id string, attempt int, body string) (int, string) {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/webhook", strings.NewReader(body))
		require.NoError(t, err)
		ts := time.Now().Add(time.Duration(attempt-3) * time.Second)
		require.NoError(t, signer.SignHeaders(req.Header, id, ts, []byte(body)))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(b))
	}

	payment := `{"event":"payment.succeeded","data":{"payment":{"id":"pay_1","customer":"cus_1","amount":2000}}}`
	code, body := deliver("msg_pay_1", 1, payment)
	assert.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `{"status":"ok"}`, body)
	code, body = deliver("msg_pay_1", 2, payment) // the sender retries: response lost
	assert.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `{"status":"already_processed"}`, body)
	assert.Equal(t, int64(2000), app.balance("cus_1"), "credited once")

	// A handler error is a 500; the retry runs the handler again.
	bad := `{"event":"user.created","data":{"user":{}}}`
	code, _ = deliver("msg_user_1", 1, bad)
	assert.Equal(t, http.StatusInternalServerError, code)
	good := `{"event":"user.created","data":{"user":{"id":"usr_1","email":"ada@example.com"}}}`
	code, _ = deliver("msg_user_1", 2, good)
	assert.Equal(t, http.StatusOK, code)

	code, body = deliver("msg_x", 1, `{"event":"invalid.event","data":{}}`)
	assert.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `{"status":"ignored"}`, body)

	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/webhook", strings.NewReader(payment))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "unsigned")

	resp, err = http.Get(srv.URL + "/metrics")
	require.NoError(t, err)
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, `webhook_deliveries_total{outcome="duplicate"} 1
webhook_deliveries_total{outcome="failed"} 1
webhook_deliveries_total{outcome="ignored"} 1
webhook_deliveries_total{outcome="processed"} 2
webhook_deliveries_total{outcome="rejected"} 1
`, string(metrics))
	assert.Contains(t, logs.String(), `"outcome":"failed"`)
	assert.NotContains(t, logs.String(), "ada@example.com", "payloads are not logged")
}
