package durable_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
)

// A provider enqueues a webhook in the same transaction as the change it
// announces; a worker delivers it and records the attempt.
func ExampleOutbox_EnqueueTx() {
	ctx := context.Background()
	secret := []byte("an example secret, 32 bytes long")
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer endpoint.Close()

	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	db, err := durable.OpenSQLite(filepath.Join(dir, "app.db"))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	backend := durable.SQLite(db)
	if err := durable.Migrate(ctx, backend); err != nil {
		panic(err)
	}
	rt, _ := durable.NewRuntime(backend, nil) // this process's one River client
	outbox, _ := durable.NewOutbox(rt, &webhook.SenderOptions{Secret: secret}, nil)
	_ = rt.Start(ctx)
	defer rt.Stop(ctx)

	tx, _ := db.BeginTx(ctx, nil)
	// ... the business change, in tx ...
	d, err := outbox.EnqueueTx(ctx, tx, endpoint.URL, durable.Message{
		ID:   "msg_1",
		Type: "order.created",
		Data: map[string]any{"order": "ord_1", "total": 4200},
	})
	if err != nil {
		panic(err)
	}
	_ = tx.Commit()

	for {
		if it, _ := outbox.Lookup(ctx, d.MessageID); it.State == durable.StateDone {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	attempts, _ := outbox.Attempts(ctx, d.MessageID)
	fmt.Println(len(attempts), attempts[0].Outcome, attempts[0].StatusCode)
	// Output: 1 delivered 200
}

// A consumer's inbox stores each event once and runs the handler in a
// worker.
func ExampleInbox() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	db, err := durable.OpenSQLite(filepath.Join(dir, "app.db"))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	backend := durable.SQLite(db)
	if err := durable.Migrate(ctx, backend); err != nil {
		panic(err)
	}
	done := make(chan struct{})
	mux := webhook.NewMux(nil)
	mux.HandleFunc("invoice.paid", func(ctx context.Context, ev webhook.Event) error {
		inv, err := webhook.DecodeData[struct{ Invoice string }](ev)
		if err != nil {
			return durable.Permanent(err)
		}
		fmt.Println("paid:", ev.ID, inv.Invoice)
		close(done)
		return nil
	})
	rt, _ := durable.NewRuntime(backend, nil)
	inbox, _ := durable.NewInbox(rt, mux.Dispatch, nil)

	// What ServeHTTP does with each verified request: store, then answer 202.
	ev := webhook.Event{ID: "msg_9", Type: "invoice.paid", Payload: []byte(`{"id":"msg_9","event":"invoice.paid","data":{"invoice":"in_1"}}`)}
	first, _ := inbox.Store(ctx, ev)
	again, _ := inbox.Store(ctx, ev) // a redelivery collapses
	fmt.Println("duplicate:", first, again)

	_ = rt.Start(ctx)
	defer rt.Stop(ctx)
	<-done
	// Output:
	// duplicate: false true
	// paid: msg_9 in_1
}
