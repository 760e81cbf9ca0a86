// Command consumer shows a consumer with a PostgreSQL inbox: the verifying
// middleware lets only genuine, fresh deliveries through, the inbox stores
// each event once (unique by message id, across replicas) and answers 202 at
// once, and workers run the Mux's handlers with retries that survive
// restarts. It sends itself one signed event and exits once it is handled.
//
//	DATABASE_URL=postgres://localhost/app go run ./examples/consumer
package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
)

// invoicePaid is the data of an invoice.paid event.
type invoicePaid struct {
	Invoice string `json:"invoice"`
}

func main() {
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	ctx := context.Background()
	url := os.Getenv("DATABASE_URL")
	if url == "" {
		return fmt.Errorf("set DATABASE_URL to a PostgreSQL database")
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	backend := durable.Postgres(pool)
	if err := durable.Migrate(ctx, backend); err != nil { // explicit, once at start-up
		return err
	}

	handled := make(chan struct{})
	mux := webhook.NewMux(nil)
	mux.HandleFunc("invoice.paid", func(ctx context.Context, ev webhook.Event) error {
		inv, err := webhook.DecodeData[invoicePaid](ev)
		if err != nil {
			return durable.Permanent(err) // retrying cannot fix the payload
		}
		// Effects keyed by ev.ID: a run interrupted by a crash is repeated.
		fmt.Printf("invoice.paid %s (run %d): invoice %s\n", ev.ID, durable.AttemptFromContext(ctx), inv.Invoice)
		close(handled)
		return nil
	})
	rt, err := durable.NewRuntime(backend, nil) // this process's one River client
	if err != nil {
		return err
	}
	inbox, err := durable.NewInbox(rt, mux.Dispatch, nil)
	if err != nil {
		return err
	}
	if err := rt.Start(ctx); err != nil {
		return err
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = rt.Stop(stopCtx)
	}()

	secret, err := webhook.NewSecret()
	if err != nil {
		return err
	}
	verifier, err := webhook.NewVerifier(secret, nil)
	if err != nil {
		return err
	}
	srv := httptest.NewServer(webhook.Middleware(verifier, nil)(inbox))
	defer srv.Close()

	// A provider's delivery.
	body := `{"event":"invoice.paid","data":{"invoice":"in_77"}}`
	req, err := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
	if err != nil {
		return err
	}
	signer, err := webhook.NewSigner(secret, nil)
	if err != nil {
		return err
	}
	id := webhook.NewMessageID()
	if err := signer.SignHeaders(req.Header, id, time.Now(), []byte(body)); err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	fmt.Println("delivery answered", resp.StatusCode)

	select {
	case <-handled:
	case <-time.After(10 * time.Second):
		return fmt.Errorf("event not handled in time")
	}
	return nil
}
