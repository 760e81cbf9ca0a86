package endpoints_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/signedhooks/webhook/durable/endpoints"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// PendingByEndpoint counts each endpoint's unfinished deliveries, most
// first, within the limit asked for.
func TestPendingByEndpoint(t *testing.T) {
	t.Parallel()
	eachEndpointsDB(t, nil, func(t *testing.T, env *epEnv) {
		ctx := context.Background()
		for _, app := range []string{"a1", "a2"} {
			_, err := env.e.CreateApplication(ctx, app, app)
			require.NoError(t, err)
		}
		busy, _, err := env.e.CreateEndpoint(ctx, "a1", endpoints.Input{URL: "http://127.0.0.1:9/busy"})
		require.NoError(t, err)
		quiet, _, err := env.e.CreateEndpoint(ctx, "a2", endpoints.Input{URL: "http://127.0.0.1:9/quiet"})
		require.NoError(t, err)
		_, _, err = env.e.CreateEndpoint(ctx, "a2", endpoints.Input{URL: "http://127.0.0.1:9/none", Filter: []string{"other.*"}})
		require.NoError(t, err)
		for i := range 5 {
			_, err := env.e.Publish(ctx, "a1", "invoice.paid", []byte(`{}`), "m"+strconv.Itoa(i))
			require.NoError(t, err)
		}
		for i := range 2 {
			_, err := env.e.Publish(ctx, "a2", "invoice.paid", []byte(`{}`), "m"+strconv.Itoa(i))
			require.NoError(t, err)
		}
		// Not started: every delivery waits.

		all, err := env.e.PendingByEndpoint(ctx, 0)
		require.NoError(t, err)
		require.Len(t, all, 2, "an endpoint with nothing queued is not listed")
		assert.Equal(t, busy.ID, all[0].EndpointID)
		assert.Equal(t, "a1", all[0].ApplicationID)
		assert.Equal(t, int64(5), all[0].Pending)
		assert.Equal(t, quiet.ID, all[1].EndpointID)
		assert.Equal(t, "a2", all[1].ApplicationID)
		assert.Equal(t, int64(2), all[1].Pending)
		assert.GreaterOrEqual(t, all[0].Oldest, time.Duration(0))
		assert.Less(t, all[0].Oldest, time.Minute, "queued just now")

		top, err := env.e.PendingByEndpoint(ctx, 1)
		require.NoError(t, err)
		require.Len(t, top, 1)
		assert.Equal(t, busy.ID, top[0].EndpointID)
		assert.Equal(t, int64(5), top[0].Pending)
		_, err = env.e.PendingByEndpoint(ctx, 1001)
		assert.ErrorIs(t, err, endpoints.ErrInvalidField)
	})
}
