package endpoints_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
)

// ExampleEndpoints_Stats reads an endpoint's health figures and the
// application's dead letters after a few deliveries, refuses a resend to a
// disabled endpoint, and deletes the application.
func ExampleService_Stats() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "stats")
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
	svc, err := endpoints.New(rt, &endpoints.Options{
		InsecureAllowPrivateNetworks: true, // the receivers of this example run on loopback
	})
	if err != nil {
		panic(err)
	}
	good := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer good.Close()
	gone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotFound) }))
	defer gone.Close()
	if _, err := svc.CreateApplication(ctx, "acme", "Acme"); err != nil {
		panic(err)
	}
	ok, _, err := svc.CreateEndpoint(ctx, "acme", endpoints.Input{URL: good.URL})
	if err != nil {
		panic(err)
	}
	bad, _, err := svc.CreateEndpoint(ctx, "acme", endpoints.Input{URL: gone.URL})
	if err != nil {
		panic(err)
	}
	if err := rt.Start(ctx); err != nil {
		panic(err)
	}
	defer rt.Stop(ctx)
	for _, id := range []string{"msg_1", "msg_2"} {
		if _, err := svc.Publish(ctx, "acme", "invoice.paid", []byte(`{}`), id); err != nil {
			panic(err)
		}
		waitFor(svc, "acme", ok.ID, id, durable.StateDone)
		waitFor(svc, "acme", bad.ID, id, durable.StateCancelled) // a 404 is not retried
	}

	for _, ep := range []endpoints.Endpoint{ok, bad} {
		st, err := svc.Stats(ctx, "acme", ep.ID, time.Hour)
		if err != nil {
			panic(err)
		}
		fmt.Printf("attempts %d, delivered %d, success rate %.0f%%\n", st.Attempts, st.Delivered, 100*st.SuccessRate)
	}
	dead, err := svc.ListDeadLetters(ctx, "acme", "", "", 0)
	if err != nil {
		panic(err)
	}
	for _, d := range dead.Items {
		fmt.Println("dead letter:", d.MessageID, d.State, d.EndpointID == bad.ID)
	}
	if _, err := svc.DisableEndpoint(ctx, "acme", bad.ID); err != nil {
		panic(err)
	}
	err = svc.Resend(ctx, "acme", bad.ID, "msg_1")
	fmt.Println("resend to a disabled endpoint:", errors.Is(err, endpoints.ErrDisabled))

	if err := svc.DeleteApplication(ctx, "acme"); err != nil {
		panic(err)
	}
	apps, err := svc.ListApplications(ctx, "", 0)
	if err != nil {
		panic(err)
	}
	fmt.Println("applications left:", len(apps.Items))
	// Output:
	// attempts 2, delivered 2, success rate 100%
	// attempts 2, delivered 0, success rate 0%
	// dead letter: msg_2 cancelled true
	// dead letter: msg_1 cancelled true
	// resend to a disabled endpoint: true
	// applications left: 0
}

// waitFor polls until a delivery reaches state want, for up to 20 s.
func waitFor(svc *endpoints.Service[*sql.Tx], appID, endpointID, messageID string, want durable.State) {
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		it, err := svc.Delivery(context.Background(), appID, endpointID, messageID)
		if err == nil && it.State == want {
			return
		}
		if err != nil && !errors.Is(err, durable.ErrNotFound) {
			panic(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	panic("delivery of " + messageID + " never reached " + string(want))
}
