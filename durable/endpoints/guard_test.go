package endpoints_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
)

// TestGuardRefusesPrivateAddressesAtDialTime registers an endpoint by a
// host name that resolves to loopback (which creation cannot know) and
// checks that the Sender's guard refuses to connect after DNS.
func TestGuardRefusesPrivateAddressesAtDialTime(t *testing.T) {
	t.Parallel()
	host, err := os.Hostname()
	require.NoError(t, err)
	addrs, err := net.LookupHost(host)
	if err != nil || len(addrs) == 0 || !netip.MustParseAddr(addrs[0]).IsLoopback() {
		t.Skipf("host name %q does not resolve to loopback here (%v)", host, addrs)
	}
	// Guard on, nothing allowed: a non-nil empty AllowNetworks.
	eachEndpointsDB(t, &endpoints.Options{AllowNetworks: []netip.Prefix{}}, func(t *testing.T, env *epEnv) {
		ctx := context.Background()
		rc := newReceivers(t, env.clock)
		u, err := url.Parse(rc.URL)
		require.NoError(t, err)
		_, err = env.e.CreateApplication(ctx, "acme", "")
		require.NoError(t, err)
		_, _, err = env.e.CreateEndpoint(ctx, "acme", endpoints.Input{URL: rc.URL})
		require.ErrorIs(t, err, endpoints.ErrBlockedURL, "a loopback literal is refused at creation")

		byName := "http://" + net.JoinHostPort(host, u.Port()) + "/r"
		ep, secret, err := env.e.CreateEndpoint(ctx, "acme", endpoints.Input{URL: byName})
		require.NoError(t, err, "a name is resolved only when connecting")
		rc.set("/r", secret, 0)
		env.start(t)
		_, err = env.e.Publish(ctx, "acme", "a.b", []byte(`{}`), "msg_1")
		require.NoError(t, err)
		env.waitDelivery(t, "acme", ep.ID, "msg_1", durable.StateCancelled)
		assert.Empty(t, rc.ids("/r"))
		page, err := env.e.ListAttempts(ctx, "acme", endpoints.AttemptFilter{EndpointID: ep.ID}, "", 0)
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		assert.Equal(t, "permanent", page.Items[0].Outcome)
		assert.Contains(t, page.Items[0].Error, "not allowed")
	})
}

// blockedHosts reads the root module's list of every host form the
// Sender's dial-time guard refuses (kept a superset of the guard's tests).
func blockedHosts(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../testdata/blocked_hosts.txt")
	require.NoError(t, err)
	var hosts []string
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			hosts = append(hosts, line)
		}
	}
	require.Greater(t, len(hosts), 50)
	return hosts
}

// TestEndpointURLsFollowTheGuard checks one rule for endpoint URLs: every
// host form the Sender's guard refuses is refused at creation and at
// update, through the Go API and the management API, with invalid_url.
func TestEndpointURLsFollowTheGuard(t *testing.T) {
	t.Parallel()
	hosts := blockedHosts(t)
	// Guard on, nothing allowed: a non-nil empty AllowNetworks.
	eachEndpointsDB(t, &endpoints.Options{AllowNetworks: []netip.Prefix{}}, func(t *testing.T, env *epEnv) {
		ctx := context.Background()
		h := specChecked(t, env.e.Handler(nil))
		_, err := env.e.CreateApplication(ctx, "acme", "")
		require.NoError(t, err)
		ep, _, err := env.e.CreateEndpoint(ctx, "acme", endpoints.Input{URL: "https://example.com/hook"})
		require.NoError(t, err)
		for _, host := range hosts {
			u := "http://" + host + "/hook"
			_, _, err := env.e.CreateEndpoint(ctx, "acme", endpoints.Input{URL: u})
			require.ErrorIs(t, err, endpoints.ErrBlockedURL, "create %s", u)
			require.ErrorIs(t, err, durable.ErrInvalidURL, "create %s", u)
			_, err = env.e.UpdateEndpoint(ctx, "acme", ep.ID, endpoints.Update{URL: &u})
			require.ErrorIs(t, err, endpoints.ErrBlockedURL, "update %s", u)
			body, _ := json.Marshal(map[string]string{"url": u})
			for _, r := range [][2]string{{"POST", "/applications/acme/endpoints"}, {"PATCH", "/applications/acme/endpoints/" + ep.ID}} {
				code, out, raw := call(t, h, r[0], r[1], string(body))
				require.Equal(t, http.StatusUnprocessableEntity, code, "%s %s: %s", r[0], u, raw)
				assert.Equal(t, "invalid_url", out["error"], raw)
				assert.Contains(t, out["message"], strings.ToLower(strings.TrimSuffix(strings.SplitN(strings.Trim(host, "[]"), "%", 2)[0], ".")), raw)
			}
		}
		got, err := env.e.GetEndpoint(ctx, "acme", ep.ID)
		require.NoError(t, err)
		assert.Equal(t, "https://example.com/hook", got.URL, "no refused update changed the endpoint")
		eps, err := env.e.ListEndpoints(ctx, "acme")
		require.NoError(t, err)
		assert.Len(t, eps, 1, "no refused creation stored an endpoint")
	})
}
