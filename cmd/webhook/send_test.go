package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signedhooks/webhook"

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

// TestSendShowsReceiverStatus sends to this module's own receiver: an
// acknowledged message that was not processed must not look processed.
func TestSendShowsReceiverStatus(t *testing.T) {
	t.Parallel()
	secret := newSecret(t)
	key, err := webhook.ParseSecret(secret)
	require.NoError(t, err)
	v, err := webhook.NewVerifier(key, nil)
	require.NoError(t, err)
	mux := webhook.NewMux(nil)
	mux.HandleFunc("invoice.paid", func(context.Context, webhook.Event) error { return nil })
	mux.HandleFunc("invoice.poison", func(context.Context, webhook.Event) error {
		return webhook.Unprocessable(errors.New("no invoice in the data"))
	})
	receiver := httptest.NewServer(webhook.Middleware(v, nil)(mux))
	t.Cleanup(receiver.Close)
	// Answers of other receivers, one of them hostile.
	canned := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/hostile":
			_, _ = w.Write([]byte(`{"status":"\u001b[2J` + strings.Repeat("x", 500) + `"}`))
		case "/plain":
			_, _ = w.Write([]byte("thanks"))
		case "/bidi":
			_, _ = w.Write([]byte(`{"status":"ok\u202egnp.exe\u2066"}`))
		case "/bidi-fail":
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte("failed \u202e\u200fdetails\x1b]0;title\x07"))
		}
	}))
	t.Cleanup(canned.Close)

	tests := []struct {
		name   string
		url    string
		typ    string
		id     string
		stdout []string
		not    []string
	}{
		{name: "processed", url: receiver.URL, typ: "invoice.paid", id: "msg_status_1",
			stdout: []string{"attempt 1: 200", "(status: ok)", "after 1 attempt; receiver status: ok\n"}, not: []string{"note:"}},
		{name: "no handler for the type", url: receiver.URL, typ: "invoice.unknown", id: "msg_status_2",
			stdout: []string{"(status: ignored)", "; receiver status: ignored\n", "note: the receiver has no handler for this event type"}},
		{name: "unprocessable", url: receiver.URL, typ: "invoice.poison", id: "msg_status_3",
			stdout: []string{"; receiver status: unprocessable\n", "note: the receiver's handler refused the payload for good"}},
		{name: "hostile status is cleaned and cut", url: canned.URL + "/hostile", typ: "invoice.paid", id: "msg_status_4",
			stdout: []string{"; receiver status: \uFFFD[2J" + strings.Repeat("x", maxStatusLen-len("\uFFFD[2J")) + "...\n"}, not: []string{"\x1b", strings.Repeat("x", maxStatusLen)}},
		{name: "bidirectional overrides are neutralised", url: canned.URL + "/bidi", typ: "invoice.paid", id: "msg_status_6",
			stdout: []string{"; receiver status: ok\uFFFDgnp.exe\uFFFD\n"}, not: []string{"\u202e", "\u2066"}},
		{name: "no JSON status", url: canned.URL + "/plain", typ: "invoice.paid", id: "msg_status_5",
			stdout: []string{"after 1 attempt\n"}, not: []string{"(status", "receiver status"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := webhookCmd(t, "", []string{"WH_SECRET=" + secret}, "send", "-url", tc.url, "-secret-env", "WH_SECRET",
				"-type", tc.typ, "-id", tc.id, "-data", `{"n":1}`)
			assert.Equal(t, 0, r.code, r.output())
			for _, want := range tc.stdout {
				assert.Contains(t, r.stdout, want)
			}
			for _, not := range tc.not {
				assert.NotContains(t, r.stdout, not)
			}
		})
	}

	t.Run("a failed answer is neutralised", func(t *testing.T) {
		t.Parallel()
		r := webhookCmd(t, "", []string{"WH_SECRET=" + secret}, "send", "-url", canned.URL+"/bidi-fail", "-secret-env", "WH_SECRET",
			"-attempts", "1", "-data", `{"n":1}`)
		assert.Equal(t, 1, r.code, r.output())
		assert.Contains(t, r.stdout, "(answer: failed \uFFFD\uFFFDdetails\uFFFD]0;title\uFFFD)")
		for _, c := range []string{"\u202e", "\u200f", "\x1b", "\x07"} {
			assert.NotContains(t, r.output(), c)
		}
	})

	t.Run("duplicate", func(t *testing.T) {
		t.Parallel()
		args := []string{"send", "-url", receiver.URL, "-secret-env", "WH_SECRET", "-type", "invoice.paid", "-id", "msg_status_dup", "-data", `{"n":2}`}
		env := []string{"WH_SECRET=" + secret}
		first := webhookCmd(t, "", env, args...)
		require.Equal(t, 0, first.code, first.output())
		require.Contains(t, first.stdout, "receiver status: ok\n")
		// The second attempt must be signed in a later second than the
		// first, or the replay guard refuses it as the same request.
		time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
		again := webhookCmd(t, "", env, args...)
		assert.Equal(t, 0, again.code, again.output())
		assert.Contains(t, again.stdout, "receiver status: already_processed\nnote: the receiver had processed a message with this id before")
	})
}
