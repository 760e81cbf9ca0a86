package portal_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
	"github.com/signedhooks/webhook/durable/portal"
)

var testKey = []byte("portal-test-key-0123456789abcdef-0123456789")

// clock is a settable clock for the portal's links and sessions.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a provider with applications "acme" and "globex" and a portal
// mounted under /portal/.
type env struct {
	svc   *endpoints.Service[*sql.Tx]
	rt    *durable.Runtime[*sql.Tx]
	p     *portal.Portal
	clock *clock
}

var catalog = []endpoints.EventType{
	{Name: "invoice.paid", Description: "An invoice was paid.", Example: json.RawMessage(`{"invoice":"in_1","amount":4200}`),
		Schema: `{"type":"object","required":["invoice"]}`},
	{Name: "invoice.refunded", Description: "An invoice was refunded."},
	{Name: "customer.created", Description: "A customer signed up.", Example: json.RawMessage(`{"customer":"cus_1"}`)},
}

func newEnv(t *testing.T, opts *portal.Options) *env {
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
		InsecureAllowPrivateNetworks: true, // receivers are on loopback
		Retry:                        webhook.Backoff{InitialDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxAttempts: 1},
	})
	require.NoError(t, err)
	for _, app := range []string{"acme", "globex"} {
		_, err := svc.CreateApplication(ctx, app, app)
		require.NoError(t, err)
	}
	c := &clock{t: time.Now()}
	var o portal.Options
	if opts != nil {
		o = *opts
	}
	o.Key, o.Path, o.Now = testKey, "/portal/", c.Now
	if o.EventTypes == nil {
		o.EventTypes = catalog
	}
	p, err := portal.New(svc, &o)
	require.NoError(t, err)
	return &env{svc: svc, rt: rt, p: p, clock: c}
}

// start delivers until the test ends.
func (e *env) start(t *testing.T) {
	require.NoError(t, e.rt.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, e.rt.Stop(ctx))
	})
}

// visitor is a browser on the portal: it keeps the session cookie and
// sends what a browser sends with a same-origin form.
type visitor struct {
	t      *testing.T
	h      http.Handler
	cookie *http.Cookie
	csrf   string
}

const host = "provider.example"

// signIn opens a link minted for appID and returns the signed-in visitor.
func (e *env) signIn(t *testing.T, appID string) *visitor {
	t.Helper()
	link, err := e.p.URL(appID, 5*time.Minute)
	require.NoError(t, err)
	v := &visitor{t: t, h: e.p}
	rec := v.do(http.MethodGet, link, nil, nil)
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	for _, c := range rec.Result().Cookies() {
		if c.Name == "webhook_portal" {
			v.cookie = c
		}
	}
	require.NotNil(t, v.cookie)
	page := v.get("/portal/endpoints")
	require.Equal(t, http.StatusOK, page.Code)
	v.csrf = csrfOf(t, page.Body.String())
	return v
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	require.NotNil(t, m, "no CSRF field in the page")
	return html.UnescapeString(m[1])
}

// do sends a request; hdr overrides the browser's headers ("" deletes).
func (v *visitor) do(method, target string, form url.Values, hdr map[string]string) *httptest.ResponseRecorder {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, "https://"+host+target, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Origin", "https://"+host)
	}
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	if v.cookie != nil {
		r.AddCookie(&http.Cookie{Name: v.cookie.Name, Value: v.cookie.Value})
	}
	for k, val := range hdr {
		if val == "" {
			r.Header.Del(k)
		} else {
			r.Header.Set(k, val)
		}
	}
	rec := httptest.NewRecorder()
	v.h.ServeHTTP(rec, r)
	return rec
}

func (v *visitor) get(path string) *httptest.ResponseRecorder {
	return v.do(http.MethodGet, path, nil, nil)
}

// post sends a form with the session's CSRF token.
func (v *visitor) post(path string, form url.Values) *httptest.ResponseRecorder {
	f := url.Values{"csrf": {v.csrf}}
	for k, vals := range form {
		f[k] = vals
	}
	return v.do(http.MethodPost, path, f, nil)
}

// receiver is a customer's webhook receiver on loopback, verifying with
// the core middleware and the secret it was given; it answers status.
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
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*rc.h.Load()).ServeHTTP(w, r)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) useSecret(t *testing.T, secret string) {
	key, err := webhook.ParseSecret(secret)
	require.NoError(t, err)
	v, err := webhook.NewVerifier(key, nil)
	require.NoError(t, err)
	h := webhook.Middleware(v, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, _ := webhook.EventFromContext(r.Context())
		status := int(rc.status.Load())
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"received":"`+ev.ID+`"}`)
		if status < 300 {
			rc.got <- ev
		}
	}))
	rc.h.Store(&h)
}
