package browsertest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/cmd/webhook/internal/capture"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var secret = []byte("browser-test-secret-0123456789")

// browser starts a headless Chromium for t. Without one the test is skipped,
// except in CI (CI set), where it fails.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is required in CI (apt-get install chromium)")
		}
		t.Skip("chromium not found; install it to test the live page")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	return ctx
}

// deliver posts a delivery signed with secret and checks it was captured.
func deliver(t *testing.T, url, id, body string) {
	t.Helper()
	signer, err := webhook.NewSigner(secret, nil)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	require.NoError(t, signer.SignRequest(req, id))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestLivePageShowsDeliveriesAsTheyArrive(t *testing.T) {
	ctx := browser(t)
	v, err := webhook.NewVerifier(secret, nil)
	require.NoError(t, err)
	s, err := capture.New(&capture.Options{Authenticator: v})
	require.NoError(t, err)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	t.Cleanup(s.Close)

	// Load the page and wait until its event stream is open, as seen both
	// by the page and by the server.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#state[data-state="open"]`)),
	))
	require.Eventually(t, func() bool { return s.Clients() == 1 }, 10*time.Second, 10*time.Millisecond)
	items, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#list li").length`))
	require.NoError(t, err)
	require.Equal(t, 0, items, "nothing delivered yet")

	// Sent after the page loaded: it must appear without a reload.
	deliver(t, srv.URL+"/webhook", "msg_browser_1", `{"event":"invoice.paid","data":{"amount":4200}}`)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("delivery-1"))))
	row, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("delivery-1")))
	require.NoError(t, err)
	assert.Contains(t, row, "#1")
	assert.Contains(t, row, "invoice.paid")
	assert.Contains(t, row, "POST /webhook")
	assert.Contains(t, row, "valid")
	assert.Contains(t, row, "msg_browser_1")

	// The detail view shows the pretty body.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("delivery-1")),
		chromedp.WaitVisible(chromedp.ID("detail")),
		chromedp.Poll[chromedp.Void](`document.getElementById("detail-body").textContent.includes("amount")`),
	))
	title, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("detail-title")))
	require.NoError(t, err)
	assert.Equal(t, "#1 POST /webhook", title)
	body, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("detail-body")))
	require.NoError(t, err)
	assert.Contains(t, body, "\"amount\": 4200")

	// A hostile delivery is shown as text, never as markup.
	deliver(t, srv.URL+"/webhook?q=%3Cimg%20src=x%20onerror=alert(1)%3E",
		`<img src=x onerror=document.title='owned'>`, `{"event":"<script>document.title='owned'</script>"}`)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.ID("delivery-2")),
		chromedp.Click(chromedp.ID("delivery-2")),
		chromedp.Poll[chromedp.Void](`document.getElementById("detail-title").textContent.startsWith("#2")`),
	))
	markup, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#list img, #detail img, script:not([src])").length`))
	require.NoError(t, err)
	assert.Equal(t, 0, markup)
	docTitle, err := chromedp.Run(ctx, chromedp.Title())
	require.NoError(t, err)
	assert.Equal(t, "webhook listen", docTitle)
	row, err = chromedp.Run(ctx, chromedp.Text(chromedp.ID("delivery-2")))
	require.NoError(t, err)
	assert.Contains(t, row, "<img src=x")

	// A reload lists everything from the history.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.ID("delivery-2")),
	))
	items, err = chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#list li").length`))
	require.NoError(t, err)
	assert.Equal(t, 2, items)
}

// TestLivePageFindsAndReplays checks the page a person debugging uses:
// deliveries sent after it loads appear with their event type, searching
// hides the others, control characters are neutralised, and the replay
// button delivers to a local target, which verifies it.
func TestLivePageFindsAndReplays(t *testing.T) {
	ctx := browser(t)
	v, err := webhook.NewVerifier(secret, nil)
	require.NoError(t, err)
	signer, err := webhook.NewSigner(secret, nil)
	require.NoError(t, err)
	s, err := capture.New(&capture.Options{Authenticator: v, Signer: signer})
	require.NoError(t, err)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	t.Cleanup(s.Close)

	type got struct {
		id, body string
		err      error
	}
	replayed := make(chan got, 4)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		a, err := v.Authenticate(r, b)
		replayed <- got{a.ID, string(b), err}
		if err != nil {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	}))
	t.Cleanup(target.Close)

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#state[data-state="open"]`)),
	))
	require.Eventually(t, func() bool { return s.Clients() == 1 }, 10*time.Second, 10*time.Millisecond)

	paid := `{"event":"invoice.paid","data":{"customer":"ACME","amount":4200}}`
	deliver(t, srv.URL+"/webhook", "msg_paid", paid)
	deliver(t, srv.URL+"/webhook", "msg_created", `{"event":"customer.created","data":{"name":"Zed"}}`)
	deliver(t, srv.URL+"/webhook", "msg_\u202egnp.exe", `{"event":"file.uploaded\u2066","data":{}}`)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("delivery-3"))))
	for seq, typ := range map[int]string{1: "invoice.paid", 2: "customer.created", 3: "file.uploaded\ufffd"} {
		row, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID(fmt.Sprint("delivery-", seq))))
		require.NoError(t, err)
		assert.Contains(t, row, typ, "#%d shows its type", seq)
	}
	row, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("delivery-3")))
	require.NoError(t, err)
	assert.Contains(t, row, "msg_\ufffdgnp.exe")
	assert.NotContains(t, row, "\u202e")
	assert.NotContains(t, row, "\u2066")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Poll[chromedp.Void](`document.getElementById("totals").textContent.includes("since start: 3 (3 valid)")`)))

	visible := func() []string {
		t.Helper()
		ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
			`[...document.querySelectorAll("#list li")].filter((li) => !li.hidden).map((li) => li.id)`))
		require.NoError(t, err)
		return ids
	}
	setSearch := func(q string) {
		t.Helper()
		// Cleared by script, then typed as a person would.
		_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](
			`(() => { const s = document.getElementById("search"); s.value = ""; s.dispatchEvent(new Event("input")); return true })()`))
		require.NoError(t, err)
		if q != "" {
			require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("search"), q)))
		}
	}
	// By type: the others are hidden.
	setSearch("type:invoice.paid")
	assert.Equal(t, []string{"delivery-1"}, visible())
	setSearch("verdict:valid id:created")
	assert.Equal(t, []string{"delivery-2"}, visible())
	// By text in the body, which the server searches.
	setSearch("zed")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("#list li:not([hidden])").length === 1`)))
	assert.Equal(t, []string{"delivery-2"}, visible())
	setSearch("")
	assert.Len(t, visible(), 3)

	// The detail shows the type, the pretty body and the raw bytes.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("delivery-1")),
		chromedp.Poll[chromedp.Void](`document.getElementById("detail-body").textContent.includes("ACME")`),
	))
	pretty, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("detail-body")))
	require.NoError(t, err)
	assert.Contains(t, pretty, "\"customer\": \"ACME\"")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID("show-raw")),
		chromedp.WaitVisible(chromedp.ID("detail-raw"))))
	raw, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("detail-raw")))
	require.NoError(t, err)
	assert.Equal(t, paid, raw)

	// Replay, signed afresh, to the target, which verifies it.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("replay-url"), target.URL+"/hook"),
		chromedp.Click(chromedp.ID("replay")),
		chromedp.Poll[chromedp.Void](`document.getElementById("replay-result").dataset.status === "200"`),
	))
	select {
	case g := <-replayed:
		require.NoError(t, g.err)
		assert.Equal(t, "msg_paid", g.id)
		assert.Equal(t, paid, g.body)
	case <-time.After(10 * time.Second):
		t.Fatal("the replay did not reach the target")
	}
	result, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("replay-result")))
	require.NoError(t, err)
	assert.Contains(t, result, "replayed #1: 200")

	// Copy as curl shows a command that sends the same bytes.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("copy-curl")),
		chromedp.WaitVisible(chromedp.ID("curl")),
	))
	curl, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("curl")))
	require.NoError(t, err)
	assert.Contains(t, curl, "curl -X POST '"+target.URL+"/hook'")
	assert.Contains(t, curl, "-H 'X-Webhook-Id: msg_paid'")
	assert.Contains(t, curl, "--data-binary '"+paid+"'")
}
