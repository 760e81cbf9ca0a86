package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/cmd/webhook/internal/capture"
	"github.com/signedhooks/webhook/githubsig"
	"github.com/signedhooks/webhook/standardwebhooks"
	"github.com/signedhooks/webhook/stripesig"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// listener is a running "webhook listen".
type listener struct {
	cmd  *exec.Cmd
	base string // http://127.0.0.1:port

	mu  sync.Mutex
	out strings.Builder
	eof chan struct{}
}

var captureLine = regexp.MustCompile(`Capturing deliveries at (http://[^/]+)/`)

// startListen runs "webhook listen -addr 127.0.0.1:0 args..." and waits for
// it to print its address. The process is interrupted at cleanup.
func startListen(t *testing.T, env []string, args ...string) *listener {
	t.Helper()
	l := &listener{eof: make(chan struct{})}
	l.cmd = exec.Command(bin, append([]string{"listen", "-addr", "127.0.0.1:0"}, args...)...)
	l.cmd.Env = append(os.Environ(), env...)
	stdout, err := l.cmd.StdoutPipe()
	require.NoError(t, err)
	l.cmd.Stderr = l.cmd.Stdout
	require.NoError(t, l.cmd.Start())
	started := make(chan string, 1)
	go func() {
		defer close(l.eof)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			l.mu.Lock()
			l.out.WriteString(line + "\n")
			l.mu.Unlock()
			if m := captureLine.FindStringSubmatch(line); m != nil {
				started <- m[1]
			}
		}
	}()
	select {
	case l.base = <-started:
	case <-time.After(20 * time.Second):
		_ = l.cmd.Process.Kill()
		t.Fatalf("listen did not start: %s", l.output())
	}
	t.Cleanup(func() { l.stop(t) })
	return l
}

func (l *listener) output() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.out.String()
}

// waitFor waits until listen has printed s.
func (l *listener) waitFor(t *testing.T, s string) {
	t.Helper()
	require.Eventually(t, func() bool { return strings.Contains(l.output(), s) }, 20*time.Second, 5*time.Millisecond,
		"listen did not print %q", s)
}

// stop interrupts listen and checks that it exits 0.
func (l *listener) stop(t *testing.T) {
	if l.cmd.ProcessState != nil {
		return
	}
	require.NoError(t, l.cmd.Process.Signal(syscall.SIGINT))
	select {
	case <-l.eof:
	case <-time.After(20 * time.Second):
		_ = l.cmd.Process.Kill()
		t.Error("listen did not stop on interrupt")
	}
	assert.NoError(t, l.cmd.Wait(), l.output())
}

func getHistory(t *testing.T, base string) []capture.Delivery {
	t.Helper()
	resp, err := http.Get(base + "/history")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var list []capture.Delivery
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&list))
	return list
}

func TestSendToListen(t *testing.T) {
	t.Parallel()
	secret := newSecret(t)
	env := []string{"WH_SECRET=" + secret}
	l := startListen(t, env, "-secret-env", "WH_SECRET")

	send := webhookCmd(t, `{"amount":42}`, env, "send", "-url", l.base+"/webhook",
		"-secret-env", "WH_SECRET", "-type", "invoice.paid", "-id", "msg_e2e_1")
	require.Equal(t, 0, send.code, send.output())
	assert.Contains(t, send.stdout, "attempt 1: 200")
	assert.Contains(t, send.stdout, "delivered msg_e2e_1")

	// The same message again is marked as a duplicate.
	again := webhookCmd(t, `{"amount":42}`, env, "send", "-url", l.base+"/webhook",
		"-secret-env", "WH_SECRET", "-type", "invoice.paid", "-id", "msg_e2e_1")
	require.Equal(t, 0, again.code, again.output())

	list := getHistory(t, l.base)
	require.Len(t, list, 2)
	d := list[0]
	assert.Equal(t, "msg_e2e_1", d.ID)
	assert.Equal(t, capture.VerdictValid, d.Verdict)
	assert.Equal(t, http.StatusOK, d.Status)
	assert.Equal(t, capture.EncodingText, d.BodyEncoding)
	assert.Equal(t, "invoice.paid", d.Type)
	assert.JSONEq(t, `{"id":"msg_e2e_1","event":"invoice.paid","data":{"amount":42}}`, d.Body)
	assert.JSONEq(t, d.Body, d.Pretty)
	assert.Equal(t, int64(1), list[1].DuplicateOf)

	resp, err := http.Get(l.base + "/history/2")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	// A delivery signed with another secret is captured, refused and told
	// nothing more than "unauthorized".
	bad := webhookCmd(t, `{}`, []string{"WH_OTHER=" + newSecret(t)}, "send", "-url", l.base+"/webhook",
		"-secret-env", "WH_OTHER", "-attempts", "1")
	assert.Equal(t, 1, bad.code, bad.output())
	assert.Contains(t, bad.stdout, "attempt 1: 401")
	assert.NotContains(t, bad.output(), "no matching signature")
	list = getHistory(t, l.base)
	require.Len(t, list, 3)
	assert.Equal(t, capture.VerdictInvalid, list[2].Verdict)
	assert.Equal(t, "webhook: no matching signature", list[2].Reason)

	require.Eventually(t, func() bool { return strings.Contains(l.output(), "#3 ") }, 5*time.Second, 10*time.Millisecond)
	out := l.output()
	assert.Contains(t, out, "id=msg_e2e_1 type=invoice.paid valid -> 200")
	assert.Contains(t, out, "duplicate of #1")
	assert.Contains(t, out, "invalid (webhook: no matching signature) -> 401")
	assert.NotContains(t, out, secret)
}

func TestListenForward(t *testing.T) {
	t.Parallel()
	type got struct {
		header http.Header
		body   string
	}
	relayed := make(chan got, 4)
	local := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		relayed <- got{r.Header.Clone(), string(b)}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"status":"ignored"}`)
	}))
	t.Cleanup(local.Close)

	env := []string{"WH_SECRET=" + newSecret(t)}
	l := startListen(t, env, "-secret-env", "WH_SECRET", "-forward", local.URL+"/hooks", "-quiet")
	send := webhookCmd(t, `{"event":"ping"}`, env, "send", "-url", l.base+"/webhook", "-secret-env", "WH_SECRET", "-id", "msg_fwd")
	require.Equal(t, 0, send.code, send.output())
	assert.Contains(t, send.stdout, "attempt 1: 202", "the sender gets the local status")
	assert.Contains(t, send.stdout, "receiver status: ignored", "the sender gets the local answer")

	select {
	case g := <-relayed:
		assert.Equal(t, `{"event":"ping"}`, g.body)
		assert.Equal(t, "msg_fwd", g.header.Get("X-Webhook-Id"))
		assert.Regexp(t, `^t=\d+,s=[0-9a-f]{64}$`, g.header.Get("X-Webhook-Signature"))
		assert.Equal(t, "signedhooks-webhook-cli", g.header.Get("User-Agent"))
	case <-time.After(10 * time.Second):
		t.Fatal("nothing relayed")
	}

	list := getHistory(t, l.base)
	require.Len(t, list, 1)
	require.NotNil(t, list[0].Forward)
	assert.Equal(t, http.StatusAccepted, list[0].Forward.Status)
	assert.Equal(t, `{"status":"ignored"}`, list[0].Forward.Body)
	assert.Equal(t, "application/json", list[0].Forward.ContentType)
	l.waitFor(t, `forwarded: local status 202 in `)
	l.waitFor(t, `ms: {"status":"ignored"}`)

	// Deliveries that fail verification are not relayed.
	req, err := http.NewRequest("POST", l.base+"/webhook", strings.NewReader(`{}`))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	select {
	case <-relayed:
		t.Fatal("an unsigned delivery was relayed")
	case <-time.After(100 * time.Millisecond):
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	t.Parallel()
	secret := newSecret(t)
	raw := "raw-secret-0123456789-abcdef"
	body := `{"event":"x"}`
	sign := webhookCmd(t, body, nil, "sign", "-secret", secret)
	require.Equal(t, 0, sign.code, sign.output())
	header := strings.TrimSpace(sign.stdout)

	l := startListen(t, nil, "-secret", secret)
	runs := []result{
		sign,
		webhookCmd(t, body, nil, "sign", "-secret", raw),
		webhookCmd(t, body, nil, "verify", "-secret", secret, "-signature", header),
		webhookCmd(t, "tampered", nil, "verify", "-secret", secret, "-signature", header),
		webhookCmd(t, body, nil, "verify", "-secret", raw, "-signature", header),
		webhookCmd(t, body, nil, "verify", "-secret", secret, "-signature", secret),
		webhookCmd(t, body, nil, "sign", "-secret", secret, "-timestamp", "nope"),
		webhookCmd(t, body, nil, "sign", "-secret", secret, "stray", secret),
		webhookCmd(t, body, nil, "sign", "-secret", "whsec_!!not-base64!!"+secret),
		webhookCmd(t, body, nil, "sign", "-secret", secret[:10]),
		webhookCmd(t, body, nil, secret),
		webhookCmd(t, body, nil, "send", "-url", l.base+"/webhook", "-secret", secret),
		webhookCmd(t, body, nil, "send", "-url", l.base+"/webhook", "-secret", raw, "-attempts", "1"),
		webhookCmd(t, body, nil, "send", "-url", "http://127.0.0.1:1/", "-secret", secret, "-attempts", "1"),
		webhookCmd(t, body, nil, "send", "-secret", secret),
		webhookCmd(t, "", nil, "replay", "1", "-to", l.base+"/webhook", "-from", l.base, "-secret", secret),
		webhookCmd(t, "", nil, "replay", "1", "-to", "http://127.0.0.1:1/", "-from", l.base, "-secret", secret),
		webhookCmd(t, "", nil, "replay", "1", "-to", l.base+"/webhook", "-from", l.base, "-secret", secret, "-scheme", "stripe"),
	}
	l.stop(t)
	for i, r := range runs {
		assert.NotContains(t, r.output(), secret, "run %d", i)
		assert.NotContains(t, r.output(), strings.TrimPrefix(secret, "whsec_"), "run %d", i)
		assert.NotContains(t, r.output(), secret[:10], "run %d", i)
		assert.NotContains(t, r.output(), raw, "run %d", i)
	}
	out := l.output()
	assert.Contains(t, out, "valid -> 200")
	assert.Regexp(t, `Stopped\. \d+ deliveries: \d+ valid, \d+ invalid; x \d+`, out)
	assert.NotContains(t, out, secret)
	assert.NotContains(t, out, strings.TrimPrefix(secret, "whsec_"))
	assert.NotContains(t, out, raw)
}

// TestListenCaptureReverifies checks that the capture is byte-exact: the
// body served by /history/1 verifies, with "webhook verify", against the
// signature captured with it.
func TestListenCaptureReverifies(t *testing.T) {
	t.Parallel()
	env := []string{"WH_SECRET=" + newSecret(t)}
	l := startListen(t, env, "-secret-env", "WH_SECRET", "-quiet")
	// Spaces, key order and escapes that re-indenting would change.
	body := `{ "b":1,"a" : [ 1,2 ],"s":"\u00e9\n"}`
	send := webhookCmd(t, body, env, "send", "-url", l.base+"/webhook", "-secret-env", "WH_SECRET", "-type", "order.created")
	require.Equal(t, 0, send.code, send.output())

	resp, err := http.Get(l.base + "/history/1")
	require.NoError(t, err)
	defer resp.Body.Close()
	var d capture.Delivery
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&d))
	require.Equal(t, capture.EncodingText, d.BodyEncoding)
	assert.Contains(t, d.Body, body)
	assert.NotEqual(t, d.Body, d.Pretty)
	assert.Equal(t, "order.created", d.Type)

	sig := d.Header.Get("X-Webhook-Signature")
	v := webhookCmd(t, d.Body, env, "verify", "-secret-env", "WH_SECRET", "-signature", sig)
	assert.Equal(t, 0, v.code, v.output())
	assert.Equal(t, "valid\n", v.stdout)
	// The pretty view is for reading only: it does not verify.
	v = webhookCmd(t, d.Pretty, env, "verify", "-secret-env", "WH_SECRET", "-signature", sig)
	assert.Equal(t, 1, v.code, v.output())
}

// TestListenVerifiesOtherSchemes starts listen with each -scheme and sends
// it a delivery signed the way that provider signs, and one signed with
// another secret.
func TestListenVerifiesOtherSchemes(t *testing.T) {
	t.Parallel()
	stdSecret := standardwebhooks.FormatSecret([]byte("0123456789abcdef0123456789abcdef"))
	tests := []struct {
		scheme, secret, other string
		signer                func(secret string) (webhook.HeaderSigner, error)
		body, wantID, wantTyp string
		header                map[string]string
	}{
		{
			scheme: "standard", secret: stdSecret, other: standardwebhooks.FormatSecret([]byte("another-secret-0123456789abcdefgh")),
			signer: func(s string) (webhook.HeaderSigner, error) { return standardwebhooks.NewSigner([]string{s}, nil) },
			body:   `{"type":"user.created","timestamp":"2026-12-01T00:00:00Z","data":{}}`, wantID: "msg_std", wantTyp: "user.created",
		},
		{
			scheme: "stripe", secret: "whsec_stripe_0123456789abcdef0123", other: "whsec_stripe_other_0123456789abcd",
			signer: func(s string) (webhook.HeaderSigner, error) { return stripesig.NewSigner([]string{s}, nil) },
			body:   `{"id":"evt_1","object":"event","type":"charge.succeeded"}`, wantTyp: "charge.succeeded",
		},
		{
			scheme: "github", secret: "typed-into-github-0123456789abcdef", other: "another-github-secret-0123456789ab",
			signer: func(s string) (webhook.HeaderSigner, error) { return githubsig.NewSigner(s, nil) },
			body:   `{"ref":"refs/heads/main"}`, wantID: "msg_gh", wantTyp: "push",
			header: map[string]string{"X-GitHub-Event": "push"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.scheme, func(t *testing.T) {
			t.Parallel()
			l := startListen(t, []string{"WH_SECRET=" + tc.secret}, "-scheme", tc.scheme, "-secret-env", "WH_SECRET", "-quiet")
			l.waitFor(t, "Verifying "+tc.scheme+" signatures")
			for _, secret := range []string{tc.secret, tc.other} {
				s, err := tc.signer(secret)
				require.NoError(t, err)
				req, err := http.NewRequest(http.MethodPost, l.base+"/webhook", strings.NewReader(tc.body))
				require.NoError(t, err)
				for k, v := range tc.header {
					req.Header.Set(k, v)
				}
				id := tc.wantID
				if id == "" {
					id = "evt_1"
				}
				require.NoError(t, s.SignHeaders(req.Header, id, time.Now(), []byte(tc.body)))
				if tc.scheme == "github" {
					req.Header.Set("X-GitHub-Delivery", id)
				}
				resp, err := http.DefaultClient.Do(req)
				require.NoError(t, err)
				resp.Body.Close()
			}
			list := getHistory(t, l.base)
			require.Len(t, list, 2)
			assert.Equal(t, capture.VerdictValid, list[0].Verdict, list[0].Reason)
			assert.Equal(t, http.StatusOK, list[0].Status)
			assert.Equal(t, tc.wantTyp, list[0].Type)
			if tc.wantID != "" {
				assert.Equal(t, tc.wantID, list[0].ID)
			}
			assert.Equal(t, capture.VerdictInvalid, list[1].Verdict)
			assert.Equal(t, http.StatusUnauthorized, list[1].Status)
			assert.NotContains(t, l.output(), tc.secret)
		})
	}
}
