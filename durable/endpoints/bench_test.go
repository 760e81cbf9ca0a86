package endpoints_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/signedhooks/webhook/durable/endpoints"
	"github.com/stretchr/testify/require"
)

// BenchmarkPublish100Endpoints publishes to an application with 100
// endpoints (a third subscribed to everything, a third by exact type, a
// third by prefix, all matching) plus 900 endpoints of other applications
// and 100 of its own that do not match, so matching must not scan every
// filter. It reports enqueued deliveries per second; nothing is delivered.
func BenchmarkPublish100Endpoints(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			var env *epEnv
			if backend == "sqlite" {
				env = newSQLiteEndpoints(b, nil)
			} else {
				env = newPostgresEndpoints(b, nil)
			}
			ctx := context.Background()
			for a := range 10 {
				app := fmt.Sprintf("app%d", a)
				_, err := env.e.CreateApplication(ctx, app, "")
				require.NoError(b, err)
				for i := range 100 {
					filter := [][]string{nil, {"invoice.paid"}, {"invoice.*"}}[i%3]
					if a != 0 {
						filter = []string{"other.event"}
					}
					_, _, err := env.e.CreateEndpoint(ctx, app, endpoints.Input{URL: fmt.Sprintf("https://example.com/%d/%d", a, i), Filter: filter})
					require.NoError(b, err)
					if a == 0 {
						_, _, err = env.e.CreateEndpoint(ctx, app, endpoints.Input{URL: "https://example.com/no", Filter: []string{"customer.*"}})
						require.NoError(b, err)
					}
				}
			}
			payload := []byte(`{"event":"invoice.paid","data":{"id":"in_123","amount":4200,"currency":"eur"}}`)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				res, err := env.e.Publish(ctx, "app0", "invoice.paid", payload, "")
				if err != nil || res.Deliveries != 100 {
					b.Fatal(res, err)
				}
			}
			b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "deliveries/s")
		})
	}
}

// BenchmarkPublishMatching publishes to one matching endpoint among a
// growing number of endpoints of the same application whose filters do not
// match: the cost must stay flat, since Publish looks up only the patterns
// that can match the event type.
func BenchmarkPublishMatching(b *testing.B) {
	for _, others := range []int{0, 2000} {
		b.Run(fmt.Sprintf("sqlite/nonmatching=%d", others), func(b *testing.B) {
			env := newSQLiteEndpoints(b, &endpoints.Options{MaxEndpointsPerApplication: others + 1})
			ctx := context.Background()
			_, err := env.e.CreateApplication(ctx, "app", "")
			require.NoError(b, err)
			_, _, err = env.e.CreateEndpoint(ctx, "app", endpoints.Input{URL: "https://example.com/yes", Filter: []string{"invoice.*"}})
			require.NoError(b, err)
			for i := range others {
				filter := []string{fmt.Sprintf("type%d.created", i), fmt.Sprintf("invoice%d.*", i)}
				_, _, err := env.e.CreateEndpoint(ctx, "app", endpoints.Input{URL: "https://example.com/no", Filter: filter})
				require.NoError(b, err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				res, err := env.e.Publish(ctx, "app", "invoice.paid", []byte(`{}`), "")
				if err != nil || res.Deliveries != 1 {
					b.Fatal(res, err)
				}
			}
		})
	}
}
