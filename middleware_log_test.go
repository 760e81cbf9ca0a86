package webhook_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
)

func TestMiddlewareLogging(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	next := &counting{status: http.StatusInternalServerError}
	h := webhook.Middleware(f.verifier, &webhook.MiddlewareOptions{Logger: logger})(next)

	serve(h, f.request(eventBody, "msg_1", mwNow.Add(-time.Second))) // failed
	next.status = 0
	serve(h, f.request(eventBody, "msg_1", mwNow)) // processed
	bad := f.request(eventBody, "msg_2", mwNow)
	bad.Header.Set(webhook.SignatureHeader, "t=1,s="+strings.Repeat("0", 64))
	serve(h, bad) // rejected

	lines := decodeLines(t, &buf)
	require.Len(t, lines, 3)
	assert.Equal(t, "ERROR", lines[0]["level"])
	assert.Equal(t, "failed", lines[0]["outcome"])
	assert.Equal(t, "msg_1", lines[0]["id"])
	assert.Equal(t, "payment.succeeded", lines[0]["type"])
	assert.Equal(t, float64(500), lines[0]["status"])
	assert.Contains(t, lines[0], "latency")
	assert.Equal(t, "INFO", lines[1]["level"])
	assert.Equal(t, "processed", lines[1]["outcome"])
	assert.Equal(t, "WARN", lines[2]["level"])
	assert.Equal(t, "rejected", lines[2]["outcome"])
	assert.Contains(t, lines[2]["error"], "no matching signature")

	out := buf.String()
	assert.NotContains(t, out, "pay_1", "payloads are not logged by default")
	assert.NotContains(t, out, string(mwSecret))
}

func TestMiddlewareLogPayload(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	var buf bytes.Buffer
	opts := &webhook.MiddlewareOptions{
		Logger: slog.New(slog.NewJSONHandler(&buf, nil)),
		LogPayload: func(ev webhook.Event) slog.Value {
			p, err := webhook.DecodeData[paymentData](ev)
			if err != nil {
				return slog.StringValue("undecodable")
			}
			return slog.GroupValue(slog.String("payment_id", p.Payment.ID)) // amount left out
		},
	}
	h := webhook.Middleware(f.verifier, opts)(&counting{status: http.StatusBadGateway})
	serve(h, f.request(eventBody, "msg_1", mwNow))
	lines := decodeLines(t, &buf)
	require.Len(t, lines, 1)
	assert.Equal(t, map[string]any{"payment_id": "pay_1"}, lines[0]["payload"])
	assert.NotContains(t, buf.String(), "1200")
}

func decodeLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var lines []map[string]any
	dec := json.NewDecoder(buf)
	for dec.More() {
		var m map[string]any
		require.NoError(t, dec.Decode(&m))
		lines = append(lines, m)
	}
	return lines
}
