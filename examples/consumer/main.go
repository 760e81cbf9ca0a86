// Command consumer is the reference webhook consumer: it verifies every
// delivery to POST /webhook and handles payment.succeeded and user.created.
// Behind webhook.Middleware, a retried delivery of a message it already
// handled is acknowledged without being handled twice.
//
//	WEBHOOK_SECRET=... go run ./examples/consumer
//
// ADDR sets the listen address (default 127.0.0.1:8080).
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"os"

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
	log.Printf("listening on http://%s/webhook", addr)
	log.Fatal(http.ListenAndServe(addr, mux))
}

// delivery is the reference event envelope.
type delivery struct {
	Event string `json:"event"`
	Data  struct {
		Payment *payment `json:"payment"`
		User    *user    `json:"user"`
	} `json:"data"`
}

type payment struct {
	ID       string `json:"id"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

type user struct {
	ID    string `json:"id"`
	Email string `json:"email"`
}

// newHandler returns the consumer: webhook.Middleware verifies each request
// with v, refuses replays and acknowledges duplicates of processed messages
// without running the handler again; the handler prints what it accepts to
// out. Rejections are logged with their reason on the default logger; the
// caller only learns the status.
func newHandler(v *webhook.Verifier, out io.Writer) http.Handler {
	guard := webhook.Middleware(v, &webhook.MiddlewareOptions{Logger: slog.Default()})
	return guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, _ := webhook.EventFromContext(r.Context())
		var d delivery
		if err := ev.Decode(&d); err != nil {
			reply(w, http.StatusBadRequest, "error", "body is not JSON")
			return
		}
		fmt.Fprintf(out, "Received webhook event: %s\n", d.Event)
		switch d.Event {
		case "payment.succeeded":
			if p := d.Data.Payment; p != nil {
				fmt.Fprintf(out, "Payment %s succeeded: %d %s\n", p.ID, p.Amount, p.Currency)
			}
		case "user.created":
			if u := d.Data.User; u != nil {
				fmt.Fprintf(out, "User %s created: %s\n", u.ID, u.Email)
			}
		default:
			// Acknowledge unknown types: a non-2xx only makes the sender retry.
			fmt.Fprintf(out, "Unhandled event type: %s\n", d.Event)
		}
		reply(w, http.StatusOK, "status", "success")
	}))
}

func reply(w http.ResponseWriter, code int, key, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{key: msg})
}
