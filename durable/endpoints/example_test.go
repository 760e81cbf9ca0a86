package endpoints_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
)

// consumer is a customer's receiver. Once the customer has its secret
// (shown when the endpoint is created), the core middleware verifies each
// delivery with it, then the handler reports what arrived.
type consumer struct {
	*httptest.Server
	h   atomic.Pointer[http.Handler]
	got chan string
}

func newConsumer() *consumer {
	c := &consumer{got: make(chan string, 4)}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*c.h.Load()).ServeHTTP(w, r)
	}))
	return c
}

func (c *consumer) useSecret(secret string) {
	key, err := webhook.ParseSecret(secret)
	if err != nil {
		panic(err)
	}
	v, err := webhook.NewVerifier(key, nil)
	if err != nil {
		panic(err)
	}
	var h http.Handler = webhook.Middleware(v, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, _ := webhook.EventFromContext(r.Context())
		data, err := webhook.DecodeData[struct{ Number int }](ev)
		if err != nil {
			w.WriteHeader(http.StatusUnprocessableEntity)
			return
		}
		sigs := strings.Count(r.Header.Get(webhook.SignatureHeader), "s=")
		c.got <- fmt.Sprintf("%s %d (%s, %d signatures)", ev.Type, data.Number, ev.ID, sigs)
	}))
	c.h.Store(&h)
}

// Example_endpoints runs a provider with two customers. Acme takes invoice
// events and is rotating its secret (its receiver still has the old one);
// Globex takes customer events on one endpoint and has a second endpoint
// that always fails, which is disabled automatically.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "endpoints")
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
	disabled := make(chan string, 1)
	rt, err := durable.NewRuntime(backend, nil) // this process's one River client
	if err != nil {
		panic(err)
	}
	svc, err := endpoints.New(rt, &endpoints.Options{
		InsecureAllowPrivateNetworks: true, // the receivers of this example run on loopback
		Retry:                        webhook.Backoff{InitialDelay: 10 * time.Millisecond, Multiplier: 1},
		DisableAfter:                 time.Millisecond, // days in production
		OnDisable: func(_ context.Context, e endpoints.Endpoint) {
			disabled <- fmt.Sprintf("disabled %s endpoint %q: %s", e.ApplicationID, e.Description, e.DisabledReason)
		},
	})
	if err != nil {
		panic(err)
	}
	api := svc.Handler(nil) // mount behind the provider's own authentication

	for _, app := range []string{"acme", "globex"} {
		if _, err := svc.CreateApplication(ctx, app, strings.ToUpper(app)); err != nil {
			panic(err)
		}
	}
	// Acme registers an endpoint for invoice events and keeps its secret.
	acme := newConsumer()
	defer acme.Close()
	ep, secret, err := svc.CreateEndpoint(ctx, "acme", endpoints.Input{URL: acme.URL + "/hooks", Filter: []string{"invoice.*"}})
	if err != nil {
		panic(err)
	}
	acme.useSecret(secret)
	// Acme rotates through the API: the new secret is shown once, and the
	// old one keeps signing for 24 hours, so Acme's receiver, which still
	// has the old secret, keeps verifying until it switches.
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, httptest.NewRequest("POST", "/applications/acme/endpoints/"+ep.ID+"/secret/rotate", nil))
	var rotated struct{ Secret string }
	_ = json.NewDecoder(rec.Body).Decode(&rotated)
	fmt.Println("rotate:", rec.Code, strings.HasPrefix(rotated.Secret, "whsec_"))

	// Globex: one endpoint for customer events, one that always fails.
	globex := newConsumer()
	defer globex.Close()
	_, secret, err = svc.CreateEndpoint(ctx, "globex", endpoints.Input{URL: globex.URL + "/crm", Filter: []string{"customer.created"}})
	if err != nil {
		panic(err)
	}
	globex.useSecret(secret)
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer broken.Close()
	// However it fails or hangs, it holds at most 2 workers of the fleet
	// at once, and it is sent at most 10 attempts a second.
	legacy := endpoints.Input{URL: broken.URL, Description: "legacy", MaxConcurrency: 2, RateLimit: 10}
	if _, _, err := svc.CreateEndpoint(ctx, "globex", legacy); err != nil {
		panic(err)
	}

	if err := rt.Start(ctx); err != nil {
		panic(err)
	}
	defer rt.Stop(ctx)
	for _, p := range []struct{ app, typ, id string }{
		{"acme", "invoice.paid", "msg_1"},
		{"acme", "customer.created", "msg_2"},
		{"globex", "customer.created", "msg_3"},
		{"globex", "customer.created", "msg_3"}, // same id: not delivered twice
	} {
		// The payload is the event's data; each endpoint receives it as
		// {"id":"msg_1","event":"invoice.paid","data":{"number":1}}.
		res, err := svc.Publish(ctx, p.app, p.typ, []byte(`{"number":1}`), p.id)
		if err != nil {
			panic(err)
		}
		fmt.Printf("publish %s %s to %s: %d deliveries, duplicate %v\n", p.id, p.typ, p.app, res.Deliveries, res.Duplicate)
	}
	fmt.Println("acme received", <-acme.got)
	fmt.Println("globex received", <-globex.got)
	fmt.Println(<-disabled)
	// Output:
	// rotate: 200 true
	// publish msg_1 invoice.paid to acme: 1 deliveries, duplicate false
	// publish msg_2 customer.created to acme: 0 deliveries, duplicate false
	// publish msg_3 customer.created to globex: 2 deliveries, duplicate false
	// publish msg_3 customer.created to globex: 0 deliveries, duplicate true
	// acme received invoice.paid 1 (msg_1, 2 signatures)
	// globex received customer.created 1 (msg_3, 1 signatures)
	// disabled globex endpoint "legacy": failing
}
