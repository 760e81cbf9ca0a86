package endpoints_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
)

// TestConcurrentUpdatesAreAtomic runs 60 trials of two concurrent updates
// of different fields of one endpoint (its description, its filter): both
// stick every time, and deliveries route by the filter the API shows.
func TestConcurrentUpdatesAreAtomic(t *testing.T) {
	t.Parallel()
	eachEndpointsDB(t, nil, func(t *testing.T, env *epEnv) {
		ctx := context.Background()
		_, err := env.e.CreateApplication(ctx, "acme", "")
		require.NoError(t, err)
		ep, _, err := env.e.CreateEndpoint(ctx, "acme", endpoints.Input{URL: "https://example.com/hook"})
		require.NoError(t, err)
		filters := [][]string{{"b.y"}, {}, {"a.x"}, {"a.*", "b.y"}}
		for i := range 60 {
			desc, filter := fmt.Sprintf("trial %d", i), filters[i%len(filters)]
			var wg sync.WaitGroup
			start := make(chan struct{})
			errs := make([]error, 2)
			wg.Add(2)
			go func() {
				defer wg.Done()
				<-start
				_, errs[0] = env.e.UpdateEndpoint(ctx, "acme", ep.ID, endpoints.Update{Description: &desc})
			}()
			go func() {
				defer wg.Done()
				<-start
				_, errs[1] = env.e.UpdateEndpoint(ctx, "acme", ep.ID, endpoints.Update{Filter: &filter})
			}()
			close(start)
			wg.Wait()
			require.NoError(t, errs[0])
			require.NoError(t, errs[1])

			got, err := env.e.GetEndpoint(ctx, "acme", ep.ID)
			require.NoError(t, err)
			require.Equal(t, desc, got.Description, "trial %d: the description update was lost", i)
			require.Equal(t, filter, got.Filter, "trial %d: the filter update was lost", i)
			for _, typ := range []string{"a.x", "b.y"} {
				res, err := env.e.Publish(ctx, "acme", typ, []byte(`{}`), fmt.Sprintf("msg_%d_%s", i, typ))
				require.NoError(t, err)
				want := 0
				if len(got.Filter) == 0 || slices.Contains(got.Filter, typ) || (typ == "a.x" && slices.Contains(got.Filter, "a.*")) {
					want = 1
				}
				assert.Equal(t, want, res.Deliveries, "trial %d: a %s event routes by the shown filter %v", i, typ, got.Filter)
			}
		}
	})
}

// TestUpdateReturnsWhatItWrote: the answer to an update is the endpoint as
// the update left it, and fields not given are kept.
func TestUpdateReturnsWhatItWrote(t *testing.T) {
	t.Parallel()
	eachEndpointsDB(t, nil, func(t *testing.T, env *epEnv) {
		ctx := context.Background()
		_, err := env.e.CreateApplication(ctx, "acme", "")
		require.NoError(t, err)
		ep, _, err := env.e.CreateEndpoint(ctx, "acme", endpoints.Input{URL: "https://example.com/hook",
			Description: "d", Filter: []string{"a.x"}, Headers: map[string]string{"X-A": "1"}, RateLimit: 3, Burst: 2})
		require.NoError(t, err)
		rate := 7.5
		got, err := env.e.UpdateEndpoint(ctx, "acme", ep.ID, endpoints.Update{RateLimit: &rate})
		require.NoError(t, err)
		assert.Equal(t, 7.5, got.RateLimit)
		assert.Equal(t, "d", got.Description)
		assert.Equal(t, []string{"a.x"}, got.Filter)
		assert.Equal(t, map[string]string{"X-A": "1"}, got.Headers)
		assert.Equal(t, 2, got.Burst)
		assert.Len(t, got.Secrets, 1)
		_, err = env.e.UpdateEndpoint(ctx, "other", ep.ID, endpoints.Update{RateLimit: &rate})
		assert.ErrorIs(t, err, endpoints.ErrUnknownEndpoint, "another application's endpoint")
		bad := "ftp://x"
		_, err = env.e.UpdateEndpoint(ctx, "acme", ep.ID, endpoints.Update{URL: &bad})
		require.ErrorIs(t, err, durable.ErrInvalidURL)
		assert.NotContains(t, err.Error(), "update endpoint", "a refused input is answered bare")
	})
}
