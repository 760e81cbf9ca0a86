package endpoints_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
)

// ExampleBreaker shows an endpoint that is down: after two failed
// attempts (the first attempts of two messages) its breaker opens, its
// deliveries wait without spending their attempts, and OnBreaker tells the
// provider, which can show the state (Endpoint.Breaker) to its customer.
func ExampleBreaker() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "breaker")
	defer os.RemoveAll(dir)
	db, err := durable.OpenSQLite(filepath.Join(dir, "webhooks.db"))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	backend := durable.SQLite(db)
	if err := endpoints.Migrate(ctx, backend); err != nil {
		panic(err)
	}
	rt, err := durable.NewRuntime(backend, nil)
	if err != nil {
		panic(err)
	}
	changed := make(chan endpoints.Endpoint, 1)
	svc, err := endpoints.New(rt, &endpoints.Options{
		InsecureAllowPrivateNetworks: true, // the receiver of this example runs on loopback
		BreakerThreshold:             2,
		BreakerCooldown:              time.Hour, // the first probe in an hour
		OnBreaker:                    func(_ context.Context, e endpoints.Endpoint) { changed <- e },
	})
	if err != nil {
		panic(err)
	}
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer down.Close()
	if _, err := svc.CreateApplication(ctx, "acme", "Acme"); err != nil {
		panic(err)
	}
	ep, _, err := svc.CreateEndpoint(ctx, "acme", endpoints.Input{URL: down.URL})
	if err != nil {
		panic(err)
	}
	for _, id := range []string{"msg_1", "msg_2"} {
		if _, err := svc.Publish(ctx, "acme", "invoice.paid", []byte(`{}`), id); err != nil {
			panic(err)
		}
	}
	if err := rt.Start(ctx); err != nil {
		panic(err)
	}
	defer rt.Stop(ctx)

	e := <-changed
	b := e.Breaker
	fmt.Println("breaker:", b.State, "after", b.Failures, "failures; next probe in", b.NextProbeAt.Sub(*b.OpenedAt))
	got, err := svc.GetEndpoint(ctx, "acme", ep.ID)
	if err != nil {
		panic(err)
	}
	fmt.Println("the API shows:", got.Breaker.State, got.Enabled)
	// Output:
	// breaker: open after 2 failures; next probe in 1h0m0s
	// the API shows: open true
}
