package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/signedhooks/webhook"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReplayCommand(t *testing.T) {
	t.Parallel()
	secret := newSecret(t)
	env := []string{"WH_SECRET=" + secret}
	key, err := webhook.ParseSecret(secret)
	require.NoError(t, err)
	v, err := webhook.NewVerifier(key, nil)
	require.NoError(t, err)
	var mu sync.Mutex
	var sigs, bodies []string
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if _, err := v.Authenticate(r, b); err != nil {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		mu.Lock()
		sigs, bodies = append(sigs, r.Header.Get(webhook.SignatureHeader)), append(bodies, string(b))
		mu.Unlock()
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	}))
	t.Cleanup(target.Close)

	l := startListen(t, env, "-secret-env", "WH_SECRET", "-quiet")
	body := `{ "n" : 1 }`
	send := webhookCmd(t, body, env, "send", "-url", l.base+"/webhook", "-secret-env", "WH_SECRET", "-type", "t.replayed", "-id", "msg_rp")
	require.Equal(t, 0, send.code, send.output())
	captured := getHistory(t, l.base)[0]

	r := webhookCmd(t, "", nil, "replay", "1", "-to", target.URL, "-from", l.base)
	require.Equal(t, 0, r.code, r.output())
	assert.Contains(t, r.stdout, "replayed #1 to "+target.URL+" with its original headers: 200")
	assert.Contains(t, r.stdout, `answer: {"status":"ok"}`)

	r = webhookCmd(t, "", env, "replay", "1", "-to", target.URL, "-from", l.base, "-secret-env", "WH_SECRET")
	require.Equal(t, 0, r.code, r.output())
	assert.Contains(t, r.stdout, "signed afresh: 200")
	assert.NotContains(t, r.output(), secret)

	mu.Lock()
	require.Len(t, sigs, 2)
	assert.Equal(t, captured.Header.Get(webhook.SignatureHeader), sigs[0])
	assert.Equal(t, []string{captured.Body, captured.Body}, bodies, "byte for byte")
	mu.Unlock()

	tests := []struct {
		name string
		args []string
		code int
	}{
		{"no number", []string{"replay", "-to", target.URL}, exitUsage},
		{"not a number", []string{"replay", "one", "-to", target.URL}, exitUsage},
		{"no target", []string{"replay", "1", "-from", l.base}, exitUsage},
		{"not held", []string{"replay", "99", "-to", target.URL, "-from", l.base}, exitFailure},
		{"refused by the target", []string{"replay", "1", "-to", target.URL, "-from", l.base, "-secret", newSecret(t)}, exitFailure},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := webhookCmd(t, "", nil, tc.args...)
			assert.Equal(t, tc.code, r.code, r.output())
		})
	}
}
