package browsertest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/relay"
	"github.com/signedhooks/webhook/webhooktest"
)

// browser starts a headless Chromium for t. Without one the test is
// skipped, except in CI (CI set), where it fails.
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
		t.Skip("chromium not found; install it to test the status page")
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

func TestStatusPageShowsAnEventAndItsAttempts(t *testing.T) {
	ctx := browser(t)
	destSecret := webhook.FormatSecret([]byte("browser-destination-secret"))
	key, _ := webhook.ParseSecret(destSecret)
	verifier, err := webhook.NewVerifier(key, nil)
	require.NoError(t, err)
	dest := httptest.NewServer(webhook.Middleware(verifier, nil)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
	defer dest.Close()

	stripeSecret := "whsec_c3RyaXBlLXNlY3JldC1mb3ItdGVzdHM"
	text := `database: ` + filepath.Join(t.TempDir(), "relay.db") + `
sources:
  - {name: stripe, path: /in/stripe, scheme: stripe, secret_env: STRIPE}
destinations:
  - {name: billing, url: "` + dest.URL + `/hooks", secret_env: BILLING, allow_private_network: true}
routes:
  - {source: stripe, types: ["invoice.*"], to: [billing]}
delivery: {poll_interval: 20ms}
`
	env := map[string]string{"STRIPE": stripeSecret, "BILLING": destSecret}
	cfg, err := relay.ParseConfig([]byte(text), &relay.ConfigOptions{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	require.NoError(t, err)
	rl, err := relay.New(context.Background(), cfg, nil)
	require.NoError(t, err)
	defer rl.Close(context.Background())
	require.NoError(t, rl.Start(context.Background()))
	in := httptest.NewServer(rl.Handler())
	defer in.Close()
	admin := httptest.NewServer(rl.AdminHandler())
	defer admin.Close()

	body := `{"id":"evt_browser","type":"invoice.paid","data":{"object":{"id":"in_1"}}}`
	req, _ := http.NewRequest(http.MethodPost, in.URL+"/in/stripe", strings.NewReader(body))
	require.NoError(t, webhooktest.Stripe(stripeSecret).SignHeaders(req.Header, "", time.Now(), []byte(body)))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
	require.Eventually(t, func() bool {
		ev, err := rl.Event(context.Background(), "stripe:evt_browser")
		return err == nil && len(ev.Deliveries) == 1 && ev.Deliveries[0].State == "done"
	}, 30*time.Second, 20*time.Millisecond)

	// Any console message (a blocked resource, a policy violation) is a
	// failure: the page has no script and loads only its stylesheet.
	var console []string
	var mu sync.Mutex
	require.NoError(t, chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			console = append(console, string(e.Type))
		case *runtime.EventExceptionThrown:
			console = append(console, e.ExceptionDetails.Text)
		}
	}))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(admin.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#events tr.event`)),
	))
	list, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#events`)))
	require.NoError(t, err)
	// The stylesheet loaded under the policy: a done delivery is green.
	color, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("#events .state.done")).backgroundColor`))
	require.NoError(t, err)
	scripts, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("script").length`))
	require.NoError(t, err)
	assert.Zero(t, scripts)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#events tr.event a`)),
		chromedp.WaitVisible(chromedp.ID("event")),
	))
	detail, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`body`)))
	require.NoError(t, err)
	assert.Contains(t, list, "stripe:evt_browser")
	assert.Contains(t, list, "invoice.paid")
	assert.Contains(t, list, "billing: done")
	assert.Equal(t, "rgb(212, 245, 212)", color)
	assert.Contains(t, detail, "billing: done")
	assert.Contains(t, detail, "delivered")
	assert.Contains(t, detail, "200")
	assert.Contains(t, detail, "routes #0")
	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, console)
}
