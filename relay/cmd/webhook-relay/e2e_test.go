package main

import (
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/webhooktest"
)

// e2eRoutes sends each source's events to some of three destinations.
const e2eConfig = `
database: %s
listen: 127.0.0.1:0
admin_listen: 127.0.0.1:0
sources:
  - {name: stripe, path: /in/stripe, scheme: stripe, secret_env: STRIPE_SECRET}
  - {name: github, path: /in/github, scheme: github, secret_env: GITHUB_SECRET}
  - {name: std, path: /in/std, scheme: standard, secret_env: STANDARD_SECRET}
  - {name: native, path: /in/native, scheme: native, secret_env: NATIVE_SECRET}
  - {name: any, path: /in/any, scheme: auto, secret_env: STRIPE_SECRET}
%s
routes:
  - source: stripe
    types: ["invoice.*"]
    to: [a]
  - source: stripe
    types: [customer.created]
    to: [a, b]
  - source: github
    types: [push]
    when: [{field: ref, equals: refs/heads/main}]
    to: [b]
  - source: std
    types: [user.created]
    to: [c]
  - source: native
    when: [{field: data.tier, prefix: vip}, {field: data.test, exists: false}]
    to: [c]
  - source: any
    to: [a]
delivery: {initial_delay: 100ms, max_delay: 1s, attempt_timeout: 5s, poll_interval: 20ms, breaker_cooldown: 200ms, breaker_max_cooldown: 1s}
`

func TestEndToEnd(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, b, c := newDestination(t, "a"), newDestination(t, "b"), newDestination(t, "c")
	cfg := sprintf(e2eConfig, dir+"/relay.db", destinationsYAML(a, b, c))
	p := startRelay(t, dir, cfg, append(destEnv(a, b, c), providerEnv...)...)

	stripe := webhooktest.Stripe(stripeSecret)
	github := webhooktest.GitHub(githubSecret)
	std := webhooktest.StandardWebhooks(standardSecret)
	native := webhooktest.Native(nativeSecret)
	ghPush := http.Header{"X-Github-Event": {"push"}}

	accepted := []delivery{
		{path: "/in/stripe", signer: stripe, body: `{"id":"evt_1","type":"invoice.paid","data":{"object":{"id":"in_1"}}}`},
		{path: "/in/stripe", signer: stripe, body: `{"id":"evt_2","type":"customer.created","data":{}}`},
		{path: "/in/stripe", signer: stripe, body: `{"id":"evt_3","type":"charge.refunded","data":{}}`}, // no route
		{path: "/in/github", signer: github, id: "gh-1", header: ghPush, body: `{"ref":"refs/heads/main"}`},
		{path: "/in/github", signer: github, id: "gh-2", header: ghPush, body: `{"ref":"refs/heads/dev"}`}, // condition fails
		{path: "/in/std", signer: std, id: "msg_std1", body: `{"type":"user.created","data":{"id":1}}`},
		{path: "/in/native", signer: native, id: "nat-1", body: `{"event":"order.paid","data":{"tier":"vip-gold"}}`},
		{path: "/in/native", signer: native, id: "nat-2", body: `{"event":"order.paid","data":{"tier":"basic"}}`},           // prefix fails
		{path: "/in/native", signer: native, id: "nat-3", body: `{"event":"order.paid","data":{"tier":"vip","test":true}}`}, // exists fails
		{path: "/in/any", signer: stripe, body: `{"id":"evt_auto","type":"thing.happened","data":{}}`},
	}
	for _, d := range accepted {
		status, err := post(p.in, d)
		require.NoError(t, err)
		require.Equal(t, http.StatusAccepted, status, d.body)
	}

	refused := []struct {
		name string
		d    delivery
		want int
	}{
		{"forged stripe", delivery{path: "/in/stripe", signer: webhooktest.Stripe("whsec_not-the-secret-at-all"), body: `{"id":"evt_f","type":"invoice.paid"}`}, 401},
		{"stale stripe", delivery{path: "/in/stripe", signer: stripe, at: time.Now().Add(-time.Hour), body: `{"id":"evt_s","type":"invoice.paid"}`}, 401},
		{"future standard", delivery{path: "/in/std", signer: std, id: "msg_fut", at: time.Now().Add(time.Hour), body: `{"type":"user.created"}`}, 401},
		{"forged github", delivery{path: "/in/github", signer: webhooktest.GitHub("another-secret-of-length"), id: "gh-f", header: ghPush, body: `{"ref":"refs/heads/main"}`}, 401},
		{"stripe signature on the native source", delivery{path: "/in/native", signer: stripe, body: `{"id":"evt_x","event":"order.paid","data":{"tier":"vip"}}`}, 400},
		{"auto with a forged github signature", delivery{path: "/in/any", signer: webhooktest.GitHub("another-secret-of-length"), id: "gh-a", header: ghPush, body: `{}`}, 401},
	}
	for _, tc := range refused {
		status, err := post(p.in, tc.d)
		require.NoError(t, err)
		assert.Equal(t, tc.want, status, tc.name)
	}

	// A duplicate of evt_1, signed afresh (in another second) as a
	// provider's retry is, is acknowledged; the same signed request again
	// is a replay, refused.
	dup := accepted[0]
	dup.at = time.Now().Add(5 * time.Second)
	status, err := post(p.in, dup)
	require.NoError(t, err)
	assert.Contains(t, []int{http.StatusOK, http.StatusAccepted}, status)
	status, err = post(p.in, dup)
	require.NoError(t, err)
	assert.Equal(t, http.StatusConflict, status)

	want := map[*destination][]string{
		a: {"stripe:evt_1", "stripe:evt_2", "any:evt_auto"},
		b: {"stripe:evt_2", "github:gh-1"},
		c: {"std:msg_std1", "native:nat-1"},
	}
	for d, ids := range want {
		d.waitFor(t, ids, 30*time.Second)
	}
	// Every accepted event has been routed, matched or not, so nothing
	// else is on its way.
	waitRouted(t, p.admin, len(accepted), 30*time.Second)
	for d, ids := range want {
		processed, arrivals, bad := d.snapshot()
		sort.Strings(ids)
		assert.ElementsMatch(t, ids, keys(processed), "destination %s", d.name)
		for _, id := range ids {
			assert.Equal(t, 1, arrivals[id], "destination %s received %s more than once", d.name, id)
		}
		assert.Zero(t, bad, "destination %s: deliveries that did not verify", d.name)
	}
	a.mu.Lock()
	assert.Equal(t, "invoice.paid", a.types["stripe:evt_1"])
	assert.JSONEq(t, `{"id":"evt_1","type":"invoice.paid","data":{"object":{"id":"in_1"}}}`, string(a.bodies["stripe:evt_1"]))
	a.mu.Unlock()

	// The JSON API shows one event with its route and attempts.
	var ev struct {
		Source     string `json:"source"`
		Type       string `json:"type"`
		Routes     []int  `json:"routes"`
		Deliveries []struct {
			Destination string `json:"destination"`
			State       string `json:"state"`
			Attempts    []struct {
				StatusCode int    `json:"status_code"`
				Outcome    string `json:"outcome"`
			} `json:"attempts"`
		} `json:"deliveries"`
	}
	// A destination has the event a moment before the relay records the
	// delivery as done.
	waitDone(t, p.admin, "stripe:evt_2", 30*time.Second)
	waitDone(t, p.admin, "stripe:evt_1", 30*time.Second)
	getJSON(t, p.admin, "/api/event?id=stripe:evt_2", &ev)
	assert.Equal(t, "stripe", ev.Source)
	assert.Equal(t, "customer.created", ev.Type)
	assert.Equal(t, []int{1}, ev.Routes)
	require.Len(t, ev.Deliveries, 2)
	for i, name := range []string{"a", "b"} {
		assert.Equal(t, name, ev.Deliveries[i].Destination)
		assert.Equal(t, "done", ev.Deliveries[i].State)
		require.Len(t, ev.Deliveries[i].Attempts, 1)
		assert.Equal(t, 200, ev.Deliveries[i].Attempts[0].StatusCode)
	}

	// Replaying one event delivers it again, with the same id, which the
	// deduplicating destination acknowledges without processing again.
	status, body := postJSON(t, p.admin, "/api/replay?event=stripe:evt_1")
	require.Equal(t, http.StatusOK, status, body)
	assert.JSONEq(t, `{"queued":1}`, body)
	require.Eventually(t, func() bool { _, arr, _ := a.snapshot(); return arr["stripe:evt_1"] == 2 }, 30*time.Second, 20*time.Millisecond)
	processed, _, _ := a.snapshot()
	assert.Equal(t, 1, processed["stripe:evt_1"])

	// The status page is served with a strict policy and names the event.
	resp, err := client.Get(p.admin + "/")
	require.NoError(t, err)
	page := readAll(t, resp)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "default-src 'none'")
	assert.Contains(t, page, "stripe:evt_2")
	assert.NotContains(t, page, "<script")

	p.stop(t)
}

// waitDone waits until every delivery of event id is done.
func waitDone(t *testing.T, admin, id string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var ev struct {
			Deliveries []struct{ State string } `json:"deliveries"`
		}
		getJSON(t, admin, "/api/event?id="+id, &ev)
		done := len(ev.Deliveries) > 0
		for _, d := range ev.Deliveries {
			done = done && d.State == "done"
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("event %s: deliveries not done after %v: %+v", id, within, ev.Deliveries)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitRouted waits until the relay's API lists n routed events.
func waitRouted(t *testing.T, admin string, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var page struct {
			Items []struct{ ID string } `json:"items"`
		}
		getJSON(t, admin, "/api/events?limit=100", &page)
		if len(page.Items) >= n {
			require.Len(t, page.Items, n)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d events routed after %v", len(page.Items), n, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func keys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
