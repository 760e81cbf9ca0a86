package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSendRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		statuses []int // answers in order; the last one repeats
		code     int
		attempts int
		stdout   []string
		stderr   string
	}{
		{name: "delivered at once", statuses: []int{200}, code: 0, attempts: 1,
			stdout: []string{"attempt 1: 200", "delivered msg_send to http://127.0.0.1:", "after 1 attempt\n"}},
		{name: "retried until delivered", statuses: []int{503, 500, 204}, code: 0, attempts: 3,
			stdout: []string{"attempt 1: 503", "; retrying in", "attempt 2: 500", "attempt 3: 204", "after 3 attempts"}},
		{name: "permanent failure is not retried", statuses: []int{400}, code: 1, attempts: 1,
			stdout: []string{"attempt 1: 400", "(answer: nope)"}, stderr: "not delivered (permanent failure)"},
		{name: "gives up after the last attempt", statuses: []int{503}, code: 1, attempts: 3,
			stdout: []string{"attempt 3: 503"}, stderr: "not delivered (gave up)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				i := int(n.Add(1)) - 1
				if i >= len(tc.statuses) {
					i = len(tc.statuses) - 1
				}
				assert.Equal(t, "msg_send", r.Header.Get("X-Webhook-Id"), "every attempt carries the same id")
				w.WriteHeader(tc.statuses[i])
				_, _ = w.Write([]byte("nope\n"))
			}))
			t.Cleanup(srv.Close)
			env := []string{"WH_SECRET=" + newSecret(t)}
			r := webhookCmd(t, `{"n":1}`, env, "send", "-url", srv.URL+"/hook", "-secret-env", "WH_SECRET",
				"-id", "msg_send", "-attempts", "3", "-max-delay", "5ms")
			assert.Equal(t, tc.code, r.code, r.output())
			assert.Equal(t, tc.attempts, int(n.Load()))
			assert.Equal(t, tc.attempts, strings.Count(r.stdout, "attempt "), r.stdout)
			for _, want := range tc.stdout {
				assert.Contains(t, r.stdout, want)
			}
			if tc.stderr != "" {
				require.Contains(t, r.stderr, tc.stderr)
			}
		})
	}
}
