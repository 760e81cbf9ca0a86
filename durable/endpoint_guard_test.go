package durable_test

import (
	"context"
	"net"
	"net/netip"
	"net/url"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/durable"
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
	eachEndpointsDB(t, &durable.EndpointsOptions{AllowNetworks: []netip.Prefix{}}, func(t *testing.T, env *epEnv) {
		ctx := context.Background()
		rc := newReceivers(t, env.clock)
		u, err := url.Parse(rc.URL)
		require.NoError(t, err)
		_, err = env.e.CreateApplication(ctx, "acme", "")
		require.NoError(t, err)
		_, _, err = env.e.CreateEndpoint(ctx, "acme", durable.EndpointInput{URL: rc.URL})
		require.ErrorIs(t, err, durable.ErrBlockedURL, "a loopback literal is refused at creation")

		byName := "http://" + net.JoinHostPort(host, u.Port()) + "/r"
		ep, secret, err := env.e.CreateEndpoint(ctx, "acme", durable.EndpointInput{URL: byName})
		require.NoError(t, err, "a name is resolved only when connecting")
		rc.set("/r", secret, 0)
		env.start(t)
		_, err = env.e.Publish(ctx, "acme", "a.b", []byte(`{}`), "msg_1")
		require.NoError(t, err)
		env.waitDelivery(t, "acme", ep.ID, "msg_1", durable.StateCancelled)
		assert.Empty(t, rc.ids("/r"))
		page, err := env.e.ListAttempts(ctx, "acme", durable.AttemptFilter{EndpointID: ep.ID}, "", 0)
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		assert.Equal(t, "permanent", page.Items[0].Outcome)
		assert.Contains(t, page.Items[0].Error, "not allowed")
	})
}
