package browsertest

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
	"github.com/signedhooks/webhook/durable/portal"
)

// browser starts a headless Chromium for t, which accepts the test
// server's certificate, answers "OK" to the portal's confirmations and
// records every console error but the network's, and every uncaught
// exception (a CSP violation is one). Without Chromium the test is skipped, except in CI (CI set),
// where it fails.
func browser(t *testing.T) (context.Context, *consoleLog) {
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
		t.Skip("chromium not found; install it to test the portal in a browser")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.IgnoreCertErrors,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 150*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	cl := &consoleLog{}
	require.NoError(t, chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *log.EventEntryAdded:
			// Pages answered 401 or 404 on purpose are network errors:
			// not counted.
			if ev.Entry.Source != log.EntrySourceNetwork &&
				(ev.Entry.Level == log.EntryLevelError || strings.Contains(ev.Entry.Text, "Content Security Policy")) {
				cl.add(ev.Entry.Text)
			}
		case *runtime.EventExceptionThrown:
			cl.add("exception: " + ev.ExceptionDetails.Text)
		case *page.EventJavascriptDialogOpening:
			cl.dialogs.Add(1)
			go func() { // no command inside the listener
				_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
			}()
		}
	}))
	return ctx, cl
}

// consoleLog is what the browser reported.
type consoleLog struct {
	mu      sync.Mutex
	errors  []string
	dialogs atomic.Int32
}

func (c *consoleLog) add(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errors = append(c.errors, s)
}

func (c *consoleLog) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.errors
	c.errors = nil
	return out
}

// receiver is the customer's webhook receiver on loopback: the core
// middleware verifies each delivery with the secret the customer copied
// from the portal; it answers status.
type receiver struct {
	*httptest.Server
	h      atomic.Pointer[http.Handler]
	status atomic.Int32
	got    chan webhook.Event
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{got: make(chan webhook.Event, 16)}
	rc.status.Store(http.StatusOK)
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no secret yet", http.StatusUnauthorized)
	})
	rc.h.Store(&h)
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*rc.h.Load()).ServeHTTP(w, r) }))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) useSecret(t *testing.T, secret string) {
	t.Helper()
	key, err := webhook.ParseSecret(secret)
	require.NoError(t, err)
	v, err := webhook.NewVerifier(key, nil)
	require.NoError(t, err)
	h := webhook.Middleware(v, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, _ := webhook.EventFromContext(r.Context())
		status := int(rc.status.Load())
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"seen":"`+ev.ID+`"}`)
		if status < 300 {
			rc.got <- ev
		}
	}))
	rc.h.Store(&h)
}

func (rc *receiver) wait(t *testing.T) webhook.Event {
	t.Helper()
	select {
	case ev := <-rc.got:
		return ev
	case <-time.After(30 * time.Second):
		t.Fatal("no verified delivery reached the receiver")
		return webhook.Event{}
	}
}

// provider is a provider's service with the portal mounted under
// /portal/ of a TLS server, so the session cookie is Secure for real.
func provider(t *testing.T) (*endpoints.Service[*sql.Tx], *portal.Portal, *httptest.Server) {
	t.Helper()
	ctx := context.Background()
	db, err := durable.OpenSQLite(filepath.Join(t.TempDir(), "portal.db"))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	b := durable.SQLite(db)
	require.NoError(t, endpoints.Migrate(ctx, b))
	rt, err := durable.NewRuntime(b, &durable.RuntimeOptions{FetchPollInterval: 20 * time.Millisecond})
	require.NoError(t, err)
	svc, err := endpoints.New(rt, &endpoints.Options{
		InsecureAllowPrivateNetworks: true, // the receiver is on loopback
		// One attempt: a failure is a dead letter at once, to resend.
		Retry: webhook.Backoff{InitialDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxAttempts: 1},
	})
	require.NoError(t, err)
	for _, app := range []string{"acme", "globex"} {
		_, err := svc.CreateApplication(ctx, app, app)
		require.NoError(t, err)
	}
	p, err := portal.New(svc, &portal.Options{
		Key:   []byte("browser-test-portal-key-0123456789abcdef"),
		Path:  "/portal/",
		Title: "Example Corp webhooks",
		EventTypes: []endpoints.EventType{
			{Name: "invoice.paid", Description: "An invoice was paid.", Example: json.RawMessage(`{"invoice":"in_1","amount":4200}`)},
			{Name: "customer.created", Description: "A customer signed up."},
		},
	})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/portal/", p)
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	require.NoError(t, rt.Start(ctx))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, rt.Stop(ctx))
	})
	return svc, p, srv
}

// text returns the text of the element sel.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	require.NoError(t, err, sel)
	return s
}

// count returns how many elements match sel.
func count(t *testing.T, ctx context.Context, sel string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+jsString(sel)+`).length`))
	require.NoError(t, err, sel)
	return n
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// reloadUntil reloads the page at url until sel matches, as a customer
// waiting for an attempt would.
func reloadUntil(t *testing.T, ctx context.Context, url, sel string) {
	t.Helper()
	require.Eventually(t, func() bool {
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("main"))))
		return count(t, ctx, sel) > 0
	}, 30*time.Second, 100*time.Millisecond, "%s never showed %s", url, sel)
}

func TestCustomerManagesWebhooksInTheBrowser(t *testing.T) {
	ctx, console := browser(t)
	svc, p, srv := provider(t)
	rc := newReceiver(t)

	// The provider mints a link; the customer opens it and lands on the
	// endpoints, the token gone from the address bar.
	link, err := p.URL("acme", 5*time.Minute)
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+link), chromedp.WaitVisible(chromedp.CSS("#create-endpoint"))))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	require.NoError(t, err)
	assert.Equal(t, srv.URL+"/portal/endpoints", loc)
	cookies, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.cookie`))
	require.NoError(t, err)
	assert.Empty(t, cookies, "the session cookie is HttpOnly")

	// The CSP holds in this browser: an inline script is refused, and
	// reported, which is how the rest of this test sees any violation.
	ran, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const s = document.createElement("script");
		s.textContent = "window.inlineRan = true"; document.body.appendChild(s); return window.inlineRan === true })()`))
	require.NoError(t, err)
	assert.False(t, ran, "an inline script ran")
	require.Eventually(t, func() bool {
		for _, e := range console.take() {
			if strings.Contains(e, "Content Security Policy") {
				return true
			}
		}
		return false
	}, 10*time.Second, 20*time.Millisecond, "the browser reported no CSP violation for an inline script")

	// Create an endpoint for invoice.paid.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#create-endpoint input[name="url"]`), rc.URL+"/hook"),
		chromedp.SendKeys(chromedp.CSS(`#create-endpoint input[name="description"]`), "Billing"),
		chromedp.Click(chromedp.CSS(`#create-endpoint input[value="invoice.paid"]`)),
		chromedp.Click(chromedp.CSS(`#create-endpoint button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#reveal")),
	))
	assert.Equal(t, "The endpoint was created.", text(t, ctx, "#flash"))
	assert.Equal(t, rc.URL+"/hook", text(t, ctx, "#endpoint-url"))
	endpointURL, err := chromedp.Run(ctx, chromedp.Location())
	require.NoError(t, err)
	eps, err := svc.ListEndpoints(context.Background(), "acme")
	require.NoError(t, err)
	require.Len(t, eps, 1)
	assert.Equal(t, []string{"invoice.paid"}, eps[0].Filter)

	// Reveal the secret and give it to the receiver.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#reveal")), chromedp.WaitVisible(chromedp.CSS("#secret-value"))))
	first := text(t, ctx, "#secret-value")
	require.True(t, strings.HasPrefix(first, "whsec_"), first)
	rc.useSecret(t, first)

	// Send a test event: the example payload arrives, verified, and the
	// attempt shows on the message's page.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(endpointURL), chromedp.WaitVisible(chromedp.CSS("#send-test")),
		chromedp.Click(chromedp.CSS("#send-test")), chromedp.WaitVisible(chromedp.CSS("#message-id"))))
	msgID := text(t, ctx, "#message-id")
	msgURL, err := chromedp.Run(ctx, chromedp.Location())
	require.NoError(t, err)
	ev := rc.wait(t)
	assert.Equal(t, msgID, ev.ID)
	assert.Equal(t, "invoice.paid", ev.Type)
	assert.Contains(t, string(ev.Payload), `"data":{"invoice":"in_1","amount":4200}`)
	msgURL, _, _ = strings.Cut(msgURL, "?")
	reloadUntil(t, ctx, msgURL, ".attempt.outcome-delivered")
	assert.Contains(t, text(t, ctx, ".attempt .outcome"), "delivered 200")
	assert.Contains(t, text(t, ctx, ".attempt .snippet"), `{"seen":"`+msgID+`"}`)

	// Rotate the secret (the script asks first; the browser says OK):
	// the grace period of the old one is shown, the new one differs.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(endpointURL), chromedp.WaitVisible(chromedp.CSS("#rotate")),
		chromedp.SetValue(chromedp.CSS(`select[name="grace"]`), "1h"),
		chromedp.Click(chromedp.CSS("#rotate")), chromedp.WaitVisible(chromedp.CSS("#flash"))))
	assert.Equal(t, int32(1), console.dialogs.Load(), "the rotation was confirmed")
	assert.Contains(t, text(t, ctx, "#flash"), "The signing secret was rotated.")
	assert.Contains(t, text(t, ctx, "#secrets"), "still signs until")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#reveal")), chromedp.WaitVisible(chromedp.CSS("#secret-value"))))
	second := text(t, ctx, "#secret-value")
	require.NotEqual(t, first, second)
	rc.useSecret(t, second)

	// A delivery that fails becomes a dead letter; resent from its page
	// once the receiver is back, it is delivered.
	rc.status.Store(http.StatusInternalServerError)
	failed, err := svc.Publish(context.Background(), "acme", "invoice.paid", []byte(`{"invoice":"in_2"}`), "msg_browser_failed")
	require.NoError(t, err)
	failedURL := srv.URL + "/portal/messages/" + failed.MessageID
	reloadUntil(t, ctx, failedURL, ".attempt.outcome-retry")
	require.Eventually(t, func() bool {
		it, err := svc.Delivery(context.Background(), "acme", eps[0].ID, failed.MessageID)
		return err == nil && it.State == durable.StateDead
	}, 30*time.Second, 20*time.Millisecond)
	assert.Equal(t, "failing", text(t, ctx, "#message-status"))
	rc.status.Store(http.StatusOK)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#resend")), chromedp.WaitVisible(chromedp.CSS("#flash"))))
	assert.Equal(t, "The message was queued again.", text(t, ctx, "#flash"))
	assert.Equal(t, failed.MessageID, rc.wait(t).ID)
	reloadUntil(t, ctx, failedURL, ".attempt.outcome-delivered")
	assert.Equal(t, "delivered", text(t, ctx, "#message-status"))

	// The log filters by status.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/portal/messages?status=delivered"), chromedp.WaitVisible(chromedp.CSS("#messages"))))
	assert.Equal(t, 2, count(t, ctx, "#messages tr.message"))

	// On a phone's width nothing scrolls sideways.
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(375, 800), chromedp.Navigate(endpointURL), chromedp.WaitVisible(chromedp.CSS("#reveal"))))
	fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`))
	require.NoError(t, err)
	assert.True(t, fits, "the endpoint page is wider than a phone")

	// Another application's link shows that application only; an expired
	// or forged link is refused.
	other, err := p.URL("globex", time.Minute)
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+other), chromedp.WaitVisible(chromedp.CSS("#create-endpoint"))))
	assert.Equal(t, 0, count(t, ctx, "#endpoints"), "globex sees no endpoint of acme's")
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(endpointURL), chromedp.WaitVisible(chromedp.CSS("#error-message"))))
	assert.Contains(t, text(t, ctx, "h1"), "Not Found", "acme's endpoint is unknown to globex")

	expired, err := portal.New(svc, &portal.Options{Key: []byte("browser-test-portal-key-0123456789abcdef"), Path: "/portal/",
		Now: func() time.Time { return time.Now().Add(-time.Hour) }})
	require.NoError(t, err)
	old, err := expired.URL("acme", time.Minute)
	require.NoError(t, err)
	forged := strings.Replace(link, "v1.", "v1.Z", 1)
	for _, bad := range []string{old, forged} {
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+bad), chromedp.WaitVisible(chromedp.CSS("#error-message"))))
		assert.Contains(t, text(t, ctx, "#error-message"), "This link has expired or is not valid.")
	}

	assert.Empty(t, console.take(), "the browser reported errors (a CSP violation is one)")
}
