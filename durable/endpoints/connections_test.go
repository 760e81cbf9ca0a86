package endpoints_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/durable"
)

// Endpoints on one host, each with a secret of its own, share kept-alive
// connections: deliveries made one after the other to ten endpoints use
// about one connection, not one or more per endpoint, and each arrives
// signed with its own endpoint's secret (with the network guard on).
func TestEndpointsOnOneHostShareConnections(t *testing.T) {
	t.Parallel()
	eachEndpointsDB(t, guardedOptions(), func(t *testing.T, env *epEnv) {
		ctx := context.Background()
		rc := newReceivers(t, env.clock)
		_, err := env.e.CreateApplication(ctx, "acme", "")
		require.NoError(t, err)
		const n = 10
		ids := make([]string, n)
		for i := range n {
			ids[i] = addEndpoint(t, env, rc, "acme", fmt.Sprintf("/e%d", i), []string{fmt.Sprintf("e%d.ping", i)}).ID
		}
		env.start(t)
		for round := range 2 {
			for i := range n {
				res, err := env.e.Publish(ctx, "acme", fmt.Sprintf("e%d.ping", i), []byte(`{}`), fmt.Sprintf("msg_%d_%d", round, i))
				require.NoError(t, err)
				require.Equal(t, 1, res.Deliveries)
				env.waitDelivery(t, "acme", ids[i], res.MessageID, durable.StateDone)
			}
		}
		for i := range n {
			require.Len(t, rc.ids(fmt.Sprintf("/e%d", i)), 2, "endpoint %d", i)
			require.Zero(t, rc.badCount(fmt.Sprintf("/e%d", i)), "endpoint %d", i)
		}
		// A connection can still be on its way back to the pool when the
		// next delivery starts; one per endpoint would be n or more.
		require.LessOrEqual(t, rc.conns.Load(), int64(3), "connections accepted for %d deliveries to %d endpoints", 2*n, n)
	})
}
