package browsertest

import (
	"context"
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
