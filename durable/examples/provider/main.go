// Command provider shows a provider with a SQLite outbox: an order and its
// webhook are written in one transaction, so the webhook exists exactly when
// the order does, and a worker delivers it with retries that survive
// restarts. A loopback receiver stands in for the customer's endpoint.
//
//	go run ./examples/provider
package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
)

// order is the data of an order.created event.
type order struct {
	ID    string `json:"id"`
	Total int    `json:"total"`
}

func main() {
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	ctx := context.Background()
	secret, err := webhook.NewSecret()
	if err != nil {
		return err
	}

	// The customer's endpoint: verifies, then acknowledges.
	received := make(chan string, 1)
	verifier, err := webhook.NewVerifier(secret, nil)
	if err != nil {
		return err
	}
	endpoint := httptest.NewServer(webhook.Middleware(verifier, nil)(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			ev, _ := webhook.EventFromContext(r.Context())
			o, err := webhook.DecodeData[order](ev)
			if err != nil {
				w.WriteHeader(http.StatusUnprocessableEntity)
				return
			}
			received <- fmt.Sprintf("%s %s total %d", ev.Type, o.ID, o.Total)
		})))
	defer endpoint.Close()

	// One SQLite file holds the orders, the outbox and the attempt log.
	dir, err := os.MkdirTemp("", "provider")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := durable.OpenSQLite(filepath.Join(dir, "shop.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	backend := durable.SQLite(db)
	if err := durable.Migrate(ctx, backend); err != nil { // explicit, once at start-up
		return err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, total INTEGER)`); err != nil {
		return err
	}

	rt, err := durable.NewRuntime(backend, nil) // this process's one River client
	if err != nil {
		return err
	}
	outbox, err := durable.NewOutbox(rt, &webhook.SenderOptions{
		Secret: secret,
		Retry:  webhook.Schedule{time.Minute, 5 * time.Minute, 30 * time.Minute}, // as Send would
	}, nil)
	if err != nil {
		return err
	}
	if err := rt.Start(ctx); err != nil {
		return err
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = rt.Stop(stopCtx) // in-flight deliveries finish or go back to the queue
	}()

	// The business change and its webhook, in one transaction.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO orders (id, total) VALUES (?, ?)`, "ord_1", 4200); err != nil {
		return err
	}
	// Type and Data are sent as {"id":…,"event":"order.created","data":{…}}:
	// the receiver gets the id and the type inside the signed bytes.
	d, err := outbox.EnqueueTx(ctx, tx, endpoint.URL, durable.Message{
		Type: "order.created",
		Data: order{ID: "ord_1", Total: 4200},
	})
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}

	select {
	case got := <-received:
		fmt.Println("endpoint received:", got)
	case <-time.After(10 * time.Second):
		return fmt.Errorf("not delivered in time")
	}
	// Give the worker a moment to record the outcome, then show the log.
	time.Sleep(200 * time.Millisecond)
	attempts, err := outbox.Attempts(ctx, d.MessageID)
	if err != nil {
		return err
	}
	for _, a := range attempts {
		fmt.Printf("attempt %d: %s (HTTP %d) in %s\n", a.Number, a.Outcome, a.StatusCode, a.Latency.Round(time.Millisecond))
	}
	return nil
}
