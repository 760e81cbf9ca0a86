// Command consumer is the reference webhook consumer: it verifies every
// delivery to POST /webhook and handles payment.succeeded and user.created,
// accepting the reference Python sender's payloads as they are.
// Behind webhook.Middleware, a retried delivery of a message it already
// handled is acknowledged without being handled twice; a webhook.Mux routes
// by event type and acknowledges types it has no handler for.
//
//	WEBHOOK_SECRET=... go run ./examples/consumer
//
// ADDR sets the listen address (default 127.0.0.1:8080; port 0 picks a free
// port, and the log line says which).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/signedhooks/webhook"
)

func main() {
	secret, err := webhook.SecretFromEnv("WEBHOOK_SECRET")
	if err != nil {
		fmt.Fprintln(os.Stderr, "consumer:", err)
		fmt.Fprintln(os.Stderr, "set WEBHOOK_SECRET to the secret shared with the sender (at least 16 bytes, raw or whsec_<base64>)")
		os.Exit(2)
	}
	v, err := webhook.NewVerifier(secret, nil)
	if err != nil {
		log.Fatal(err)
	}
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	mux := http.NewServeMux()
	mux.Handle("POST /webhook", newHandler(v, os.Stdout))
	// Listening first logs the real address, also for port 0.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on http://%s/webhook", ln.Addr())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.Serve(ln))
}

// paymentSucceeded is the data of a payment.succeeded event.
type paymentSucceeded struct {
	Payment *struct {
		ID string `json:"id"`
		// Amount is kept as the sender wrote it (49.99): printing it needs
		// no arithmetic, and a float64 would not represent it exactly.
		Amount   json.Number `json:"amount"`
		Currency string      `json:"currency"`
	} `json:"payment"`
	Customer struct {
		Email string `json:"email"`
	} `json:"customer"`
}

// userCreated is the data of a user.created event.
type userCreated struct {
	User *struct {
		Email string `json:"email"`
		Name  string `json:"name"`
	} `json:"user"`
}

// newHandler returns the consumer: webhook.Middleware verifies each request
// with v, refuses replays and acknowledges duplicates of processed messages
// without running the handler again; a webhook.Mux runs the handler for the
// event's type, which prints what it accepts to out. Rejections are logged
// with their reason on the default logger; the caller only learns the
// status.
func newHandler(v *webhook.Verifier, out io.Writer) http.Handler {
	mux := webhook.NewMux(&webhook.MuxOptions{Logger: slog.Default()})
	mux.HandleFunc("payment.succeeded", func(_ context.Context, ev webhook.Event) error {
		d, err := webhook.DecodeData[paymentSucceeded](ev)
		if err == nil && d.Payment == nil {
			err = errors.New("no payment in the data")
		}
		if err != nil {
			// Retrying cannot fix the payload: acknowledge and record it.
			return webhook.Unprocessable(err)
		}
		p := d.Payment
		fmt.Fprintf(out, "Payment %s: %s succeeded\n", p.ID, money(p.Amount, p.Currency))
		return nil
	})
	mux.HandleFunc("user.created", func(_ context.Context, ev webhook.Event) error {
		d, err := webhook.DecodeData[userCreated](ev)
		if err == nil && d.User == nil {
			err = errors.New("no user in the data")
		}
		if err != nil {
			return webhook.Unprocessable(err)
		}
		if d.User.Name == "" {
			fmt.Fprintf(out, "User %s created\n", d.User.Email)
		} else {
			fmt.Fprintf(out, "User %s created: %s\n", d.User.Email, d.User.Name)
		}
		return nil
	})
	guard := webhook.Middleware(v, &webhook.MiddlewareOptions{Logger: slog.Default()})
	return guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Every verified event is announced, handled or not; the Mux
		// acknowledges a type without a handler with 200 "ignored", since a
		// non-2xx only makes the sender retry.
		ev, _ := webhook.EventFromContext(r.Context())
		fmt.Fprintf(out, "Received webhook event: %s\n", ev.Type)
		mux.ServeHTTP(w, r)
	}))
}

// money formats an amount as the sender wrote it: "$49.99" for US dollars,
// "49.99 EUR" for other currencies.
func money(amount json.Number, currency string) string {
	if strings.EqualFold(currency, "usd") {
		return "$" + amount.String()
	}
	return strings.TrimSpace(amount.String() + " " + currency)
}
