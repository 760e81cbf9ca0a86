package portal_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/durable/endpoints"
	"github.com/signedhooks/webhook/durable/portal"
)

func TestNewChecksOptions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tests := []struct {
		name    string
		opts    portal.Options
		wantErr error
	}{
		{"no key", portal.Options{}, portal.ErrShortKey},
		{"short key", portal.Options{Key: make([]byte, 31)}, portal.ErrShortKey},
		{"path without slash", portal.Options{Key: testKey, Path: "/portal"}, portal.ErrInvalidOptions},
		{"relative path", portal.Options{Key: testKey, Path: "portal/"}, portal.ErrInvalidOptions},
		{"bad event type", portal.Options{Key: testKey, EventTypes: []endpoints.EventType{{Name: "not valid"}}}, endpoints.ErrInvalidField},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := portal.New(e.svc, &tc.opts)
			require.ErrorIs(t, err, tc.wantErr)
		})
	}
	_, err := e.p.URL("acme", 2*time.Hour)
	require.ErrorIs(t, err, portal.ErrInvalidTTL)
	_, err = e.p.URL("acme", 0)
	require.ErrorIs(t, err, portal.ErrInvalidTTL)
	_, err = e.p.URL("no spaces", time.Minute)
	require.ErrorIs(t, err, portal.ErrInvalidApplication)
}

func TestSignInExchangesTheLinkForASessionCookie(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	link, err := e.p.URL("acme", 5*time.Minute)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(link, "/portal/?token="), link)
	v := &visitor{t: t, h: e.p}

	rec := v.do(http.MethodGet, strings.Replace(link, "/portal/?", "/portal/messages?status=failing&", 1), nil, nil)
	require.Equal(t, http.StatusSeeOther, rec.Code)
	assert.Equal(t, "/portal/messages?status=failing", rec.Header().Get("Location"), "the token is taken out, the rest kept")
	cookies := rec.Result().Cookies()
	require.Len(t, cookies, 1)
	c := cookies[0]
	assert.Equal(t, "webhook_portal", c.Name)
	assert.True(t, c.HttpOnly)
	assert.True(t, c.Secure)
	assert.Equal(t, http.SameSiteStrictMode, c.SameSite)
	assert.Equal(t, "/portal/", c.Path)
	assert.Equal(t, 3600, c.MaxAge)
	assert.NotContains(t, c.Value, strings.TrimPrefix(link, "/portal/?token="), "a session is not the link's token")

	// Linked from the provider's own site (cross-site): the browser would
	// withhold a Strict cookie on a redirect, so the page moves on itself.
	rec = v.do(http.MethodGet, link, nil, map[string]string{"Sec-Fetch-Site": "cross-site"})
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), `<meta http-equiv="refresh" content="0; url=/portal/">`)
	assert.Contains(t, rec.Body.String(), `href="/portal/"`)
	require.Len(t, rec.Result().Cookies(), 1)

	// Signed in: the pages answer.
	v.cookie = c
	rec = v.get("/portal/")
	require.Equal(t, http.StatusSeeOther, rec.Code)
	assert.Equal(t, "/portal/endpoints", rec.Header().Get("Location"))
	rec = v.get("/portal/endpoints")
	assert.Equal(t, http.StatusOK, rec.Code)

	// Mounted at the root, a path of "//host" never redirects to that host.
	root, err := portal.New(e.svc, &portal.Options{Key: testKey, Path: "/"})
	require.NoError(t, err)
	link, err = root.URL("acme", time.Minute)
	require.NoError(t, err)
	rec = (&visitor{t: t, h: root}).get("//evil.example/" + link[1:])
	require.Equal(t, http.StatusSeeOther, rec.Code)
	assert.Equal(t, "/evil.example/", rec.Header().Get("Location"))

	// Insecure cookies only when asked, for plain http in tests.
	e2 := newEnv(t, &portal.Options{InsecureCookie: true})
	link, err = e2.p.URL("acme", time.Minute)
	require.NoError(t, err)
	rec = (&visitor{t: t, h: e2.p}).get(link)
	require.Len(t, rec.Result().Cookies(), 1)
	assert.False(t, rec.Result().Cookies()[0].Secure)
}

func TestRefusedLinksAndSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	good, err := e.p.URL("acme", 5*time.Minute)
	require.NoError(t, err)
	tok := strings.TrimPrefix(good, "/portal/?token=")
	f := strings.Split(tok, ".")
	require.Len(t, f, 4)
	globex, err := e.p.URL("globex", 5*time.Minute)
	require.NoError(t, err)
	g := strings.Split(strings.TrimPrefix(globex, "/portal/?token="), ".")
	unknown, err := e.p.URL("initech", 5*time.Minute)
	require.NoError(t, err)
	other, err := portal.New(e.svc, &portal.Options{Key: []byte("another-providers-key-0123456789abcdef"), Path: "/portal/"})
	require.NoError(t, err)
	foreign, err := other.URL("acme", 5*time.Minute)
	require.NoError(t, err)
	session := e.signIn(t, "acme").cookie.Value

	tests := []struct{ name, token string }{
		{"tampered mac", f[0] + "." + f[1] + "." + f[2] + "." + g[3]},
		{"another application with this one's mac", f[0] + "." + g[1] + "." + f[2] + "." + f[3]},
		{"later expiry", f[0] + "." + f[1] + "." + "99999999999" + "." + f[3]},
		{"unknown application", strings.TrimPrefix(unknown, "/portal/?token=")},
		{"another provider's key", strings.TrimPrefix(foreign, "/portal/?token=")},
		{"a session as a link", session},
		{"garbage", "v1.x.y.z"},
		{"too long", strings.Repeat("a", 600)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := (&visitor{t: t, h: e.p}).get("/portal/?token=" + url.QueryEscape(tc.token))
			assert.Equal(t, http.StatusUnauthorized, rec.Code)
			for _, c := range rec.Result().Cookies() {
				assert.Empty(t, c.Value, "no session for a refused link")
			}
		})
	}

	// A link used as a session cookie is refused.
	v := &visitor{t: t, h: e.p, cookie: &http.Cookie{Name: "webhook_portal", Value: tok}}
	assert.Equal(t, http.StatusUnauthorized, v.get("/portal/endpoints").Code)
	// No cookie at all.
	assert.Equal(t, http.StatusUnauthorized, (&visitor{t: t, h: e.p}).get("/portal/endpoints").Code)

	// An expired link, and an expired session.
	v = e.signIn(t, "acme")
	e.clock.Advance(5*time.Minute + time.Second)
	assert.Equal(t, http.StatusUnauthorized, (&visitor{t: t, h: e.p}).get(good).Code)
	assert.Equal(t, http.StatusOK, v.get("/portal/endpoints").Code, "the session outlives the link")
	e.clock.Advance(time.Hour)
	assert.Equal(t, http.StatusUnauthorized, v.get("/portal/endpoints").Code)
}

func TestEveryPostNeedsCSRFAndSameOrigin(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := context.Background()
	v := e.signIn(t, "acme")
	ep, _, err := e.svc.CreateEndpoint(ctx, "acme", endpoints.Input{URL: "https://acme.example/hook"})
	require.NoError(t, err)
	msg, err := e.svc.SendTest(ctx, "acme", ep.ID, "invoice.paid", []byte(`{}`))
	require.NoError(t, err)
	other := e.signIn(t, "acme") // another session of the same application

	posts := []struct {
		path string
		form url.Values
	}{
		{"/portal/endpoints", url.Values{"url": {"https://acme.example/new"}}},
		{"/portal/endpoints/" + ep.ID, url.Values{"url": {"https://acme.example/changed"}}},
		{"/portal/endpoints/" + ep.ID + "/disable", nil},
		{"/portal/endpoints/" + ep.ID + "/enable", nil},
		{"/portal/endpoints/" + ep.ID + "/delete", nil},
		{"/portal/endpoints/" + ep.ID + "/secret/reveal", nil},
		{"/portal/endpoints/" + ep.ID + "/secret/rotate", nil},
		{"/portal/endpoints/" + ep.ID + "/test", url.Values{"event_type": {"invoice.paid"}}},
		{"/portal/endpoints/" + ep.ID + "/recover", url.Values{"since": {"24h"}}},
		{"/portal/messages/" + msg.MessageID + "/resend", url.Values{"endpoint_id": {ep.ID}}},
		{"/portal/sign-out", nil},
	}
	refusals := []struct {
		name string
		csrf string
		hdr  map[string]string
	}{
		{"no token", "", nil},
		{"wrong token", "bm90LWl0", nil},
		{"another session's token", other.csrf, nil},
		{"another origin", v.csrf, map[string]string{"Origin": "https://evil.example"}},
		{"a null origin", v.csrf, map[string]string{"Origin": "null"}},
		{"cross-site", v.csrf, map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"same-site, not same-origin", v.csrf, map[string]string{"Sec-Fetch-Site": "same-site"}},
	}
	for _, post := range posts {
		for _, ref := range refusals {
			f := url.Values{}
			for k, vals := range post.form {
				f[k] = vals
			}
			if ref.csrf != "" {
				f.Set("csrf", ref.csrf)
			}
			rec := v.do(http.MethodPost, post.path, f, ref.hdr)
			assert.Equal(t, http.StatusForbidden, rec.Code, "%s: %s", post.path, ref.name)
			assert.NotContains(t, rec.Body.String(), "whsec_", "%s: %s", post.path, ref.name)
		}
	}
	// Nothing happened.
	got, err := e.svc.GetEndpoint(ctx, "acme", ep.ID)
	require.NoError(t, err)
	assert.Equal(t, "https://acme.example/hook", got.URL)
	assert.True(t, got.Enabled)
	assert.Len(t, got.Secrets, 1)
	eps, err := e.svc.ListEndpoints(ctx, "acme")
	require.NoError(t, err)
	assert.Len(t, eps, 1)

	// With the token, from the portal's origin, they go through; a
	// browser that sends neither Origin nor Sec-Fetch-Site still needs it.
	rec := v.post("/portal/endpoints/"+ep.ID+"/disable", nil)
	assert.Equal(t, http.StatusSeeOther, rec.Code)
	rec = v.do(http.MethodPost, "/portal/endpoints/"+ep.ID+"/enable", url.Values{"csrf": {v.csrf}},
		map[string]string{"Origin": "", "Sec-Fetch-Site": ""})
	assert.Equal(t, http.StatusSeeOther, rec.Code)
}

func TestEndpointPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := context.Background()
	v := e.signIn(t, "acme")

	page := v.get("/portal/endpoints").Body.String()
	assert.Contains(t, page, "No endpoints yet")
	for _, typ := range catalog {
		assert.Contains(t, page, `name="filter" value="`+typ.Name+`"`, "the filter offers the declared types")
	}

	// Create, with declared types and a prefix of them.
	rec := v.post("/portal/endpoints", url.Values{"url": {"https://acme.example/hook"}, "description": {"Billing <b>"},
		"filter": {"invoice.paid"}, "filter_extra": {"customer.*"}, "rate_limit": {"2.5"}, "burst": {"5"},
		"headers": {"X-Team: billing\n\nX-Env: prod"}})
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	loc := rec.Header().Get("Location")
	require.True(t, strings.HasPrefix(loc, "/portal/endpoints/ep_"), loc)
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/portal/endpoints/"), "?done=created")
	ep, err := e.svc.GetEndpoint(ctx, "acme", id)
	require.NoError(t, err)
	assert.Equal(t, []string{"customer.*", "invoice.paid"}, ep.Filter)
	assert.Equal(t, 2.5, ep.RateLimit)
	assert.Equal(t, 5, ep.Burst)
	assert.Equal(t, map[string]string{"X-Team": "billing", "X-Env": "prod"}, ep.Headers)

	page = v.get(loc).Body.String()
	assert.Contains(t, page, "The endpoint was created.")
	assert.Contains(t, page, "Billing &lt;b&gt;", "text is escaped")
	assert.Contains(t, page, `value="invoice.paid" checked`)
	assert.Contains(t, page, `name="filter_extra" value="customer.*"`)
	assert.NotContains(t, page, "whsec_", "the secret is shown only on request")
	list := v.get("/portal/endpoints").Body.String()
	assert.Contains(t, list, "https://acme.example/hook")
	assert.Contains(t, list, "customer.*, invoice.paid")

	// Bad input is shown again with what to fix.
	bad := []struct {
		name string
		form url.Values
		want string
	}{
		{"undeclared type", url.Values{"url": {"https://acme.example/x"}, "filter_extra": {"order.created"}}, "matches no declared event type"},
		{"malformed filter", url.Values{"url": {"https://acme.example/x"}, "filter_extra": {"in valid!"}}, "neither an event type nor a prefix"},
		{"not a URL", url.Values{"url": {"ftp://acme.example/x"}}, "Invalid target URL"},
		{"bad rate", url.Values{"url": {"https://acme.example/x"}, "rate_limit": {"fast"}}, "rate limit must be a number"},
		{"bad header", url.Values{"url": {"https://acme.example/x"}, "headers": {"no colon"}}, "header line 1"},
	}
	for _, tc := range bad {
		rec := v.post("/portal/endpoints", tc.form)
		assert.Equal(t, http.StatusUnprocessableEntity, rec.Code, tc.name)
		assert.Contains(t, rec.Body.String(), tc.want, tc.name)
		assert.Contains(t, rec.Body.String(), `value="`+tc.form.Get("url")+`"`, "%s: the form keeps what was typed", tc.name)
	}
	eps, err := e.svc.ListEndpoints(ctx, "acme")
	require.NoError(t, err)
	assert.Len(t, eps, 1)

	// Edit.
	rec = v.post("/portal/endpoints/"+id, url.Values{"url": {"https://acme.example/v2"}, "description": {"v2"},
		"filter": {"invoice.refunded"}, "headers": {""}})
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	ep, err = e.svc.GetEndpoint(ctx, "acme", id)
	require.NoError(t, err)
	assert.Equal(t, "https://acme.example/v2", ep.URL)
	assert.Equal(t, "v2", ep.Description)
	assert.Equal(t, []string{"invoice.refunded"}, ep.Filter)
	assert.Zero(t, ep.RateLimit)
	assert.Empty(t, ep.Headers)
	rec = v.post("/portal/endpoints/"+id, url.Values{"url": {"https://acme.example/v2"}, "filter_extra": {"nope.*"}})
	assert.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	assert.Contains(t, rec.Body.String(), "matches no declared event type")

	// Disable, enable, delete.
	rec = v.post("/portal/endpoints/"+id+"/disable", nil)
	require.Equal(t, http.StatusSeeOther, rec.Code)
	page = v.get(rec.Header().Get("Location")).Body.String()
	assert.Contains(t, page, `id="state">disabled (manual)`)
	assert.Contains(t, page, `id="enable"`)
	rec = v.post("/portal/endpoints/"+id+"/test", url.Values{"event_type": {"invoice.paid"}})
	assert.Equal(t, http.StatusConflict, rec.Code, "no test event to a disabled endpoint")
	rec = v.post("/portal/endpoints/"+id+"/enable", nil)
	require.Equal(t, http.StatusSeeOther, rec.Code)
	ep, err = e.svc.GetEndpoint(ctx, "acme", id)
	require.NoError(t, err)
	assert.True(t, ep.Enabled)
	rec = v.post("/portal/endpoints/"+id+"/delete", nil)
	require.Equal(t, http.StatusSeeOther, rec.Code)
	assert.Equal(t, "/portal/endpoints?done=deleted", rec.Header().Get("Location"))
	_, err = e.svc.GetEndpoint(ctx, "acme", id)
	require.ErrorIs(t, err, endpoints.ErrUnknownEndpoint)
	assert.Equal(t, http.StatusNotFound, v.get("/portal/endpoints/"+id).Code)
}

var whsec = regexp.MustCompile(`whsec_[A-Za-z0-9+/=]+`)

func TestSecretRevealAndRotate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := context.Background()
	v := e.signIn(t, "acme")
	ep, first, err := e.svc.CreateEndpoint(ctx, "acme", endpoints.Input{URL: "https://acme.example/hook"})
	require.NoError(t, err)

	path := "/portal/endpoints/" + ep.ID
	rec := v.post(path+"/secret/reveal", nil)
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	assert.Equal(t, []string{first}, whsec.FindAllString(html.UnescapeString(rec.Body.String()), -1))

	rec = v.post(path+"/secret/rotate", url.Values{"grace": {"1h"}})
	require.Equal(t, http.StatusSeeOther, rec.Code)
	page := v.get(rec.Header().Get("Location")).Body.String()
	assert.Contains(t, page, "The signing secret was rotated.")
	grace := e.clock.Now().Add(time.Hour).UTC().Format("2006-01-02 15:04")
	assert.Contains(t, page, "still signs until <strong class=\"grace\">"+grace, "the grace period is shown")
	assert.Empty(t, whsec.FindAllString(html.UnescapeString(page), -1))

	rec = v.post(path+"/secret/reveal", nil)
	newest := whsec.FindAllString(html.UnescapeString(rec.Body.String()), -1)
	require.Len(t, newest, 1)
	assert.NotEqual(t, first, newest[0])
	want, err := e.svc.RevealSecret(ctx, "acme", ep.ID)
	require.NoError(t, err)
	assert.Equal(t, want, newest[0])

	rec = v.post(path+"/secret/rotate", url.Values{"grace": {"forever"}})
	assert.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	rec = v.post(path+"/secret/rotate", url.Values{"grace": {"now"}})
	require.Equal(t, http.StatusSeeOther, rec.Code)
	got, err := e.svc.GetEndpoint(ctx, "acme", ep.ID)
	require.NoError(t, err)
	assert.Len(t, got.Secrets, 1, "no grace: the old secrets are retired")
}

func TestEventTypesPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	page := e.signIn(t, "acme").get("/portal/event-types").Body.String()
	for _, typ := range catalog {
		assert.Contains(t, page, `<code>`+typ.Name+`</code>`)
		assert.Contains(t, page, typ.Description)
	}
	assert.Contains(t, page, "&#34;amount&#34;: 4200", "the example, indented")
	assert.Contains(t, page, "JSON Schema")

	none := newEnv(t, &portal.Options{EventTypes: []endpoints.EventType{}})
	assert.Contains(t, none.signIn(t, "acme").get("/portal/event-types").Body.String(), "No event types are declared.")
}

func TestPagesAreStrict(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := context.Background()
	v := e.signIn(t, "acme")
	ep, _, err := e.svc.CreateEndpoint(ctx, "acme", endpoints.Input{URL: "https://acme.example/hook"})
	require.NoError(t, err)
	msg, err := e.svc.SendTest(ctx, "acme", ep.ID, "invoice.paid", []byte(`{"x":"</script><script>alert(1)</script>"}`))
	require.NoError(t, err)

	// Every script tag loads the portal's file and holds nothing; no
	// style element or attribute, no event-handler attribute.
	scripts := regexp.MustCompile(`(?i)<script[^>]*>[^<]*</script>`)
	inline := regexp.MustCompile(`(?i)\sstyle=|\son[a-z]+=|<style`)
	for _, path := range []string{"/portal/endpoints", "/portal/endpoints/" + ep.ID, "/portal/event-types", "/portal/messages",
		"/portal/messages/" + msg.MessageID, "/portal/nowhere"} {
		rec := v.get(path)
		h := rec.Header()
		assert.Equal(t, "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
			h.Get("Content-Security-Policy"), path)
		assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"), path)
		assert.Equal(t, "same-origin", h.Get("Referrer-Policy"), path)
		assert.Equal(t, "no-store", h.Get("Cache-Control"), path)
		assert.Equal(t, "text/html; charset=utf-8", h.Get("Content-Type"), path)
		body := rec.Body.String()
		assert.Empty(t, inline.FindAllString(body, -1), "%s has inline style or handlers", path)
		assert.Equal(t, strings.Count(strings.ToLower(body), "<script"), len(scripts.FindAllString(body, -1)), path)
		for _, tag := range scripts.FindAllString(body, -1) {
			assert.Equal(t, `<script src="/portal/static/portal.js" defer></script>`, tag, path)
		}
		assert.Contains(t, rec.Body.String(), `<meta name="viewport"`, path)
	}
	assert.Equal(t, http.StatusNotFound, v.get("/portal/nowhere").Code)

	for path, ctype := range map[string]string{"/portal/static/portal.css": "text/css; charset=utf-8", "/portal/static/portal.js": "text/javascript; charset=utf-8"} {
		rec := (&visitor{t: t, h: e.p}).get(path) // no session needed
		require.Equal(t, http.StatusOK, rec.Code, path)
		assert.Equal(t, ctype, rec.Header().Get("Content-Type"), path)
	}
	assert.Equal(t, http.StatusNotFound, (&visitor{t: t, h: e.p}).get("/elsewhere").Code)

	// Signing out ends the session in the browser.
	rec := v.post("/portal/sign-out", nil)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Len(t, rec.Result().Cookies(), 1)
	assert.Equal(t, -1, rec.Result().Cookies()[0].MaxAge)
}
