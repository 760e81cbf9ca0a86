// Command sender is the reference webhook sender: it signs and posts the
// reference sender's three events (payment.succeeded, user.created,
// invalid.event) to a consumer with a webhook.Sender, retrying failed
// deliveries after 60 s and then 300 s.
//
//	WEBHOOK_SECRET=... go run ./examples/sender
//
// WEBHOOK_URL sets the target (default http://127.0.0.1:8080/webhook). For
// each event it prints "Sent <type>: HTTP <status> id=<message id>", the id
// being what the consumer sees in X-Webhook-Id and in the body. It exits
// non-zero if any event was not accepted. Ctrl-C stops a retry wait at once.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/signedhooks/webhook"
)

// events are the reference sender's deliveries: each Data is sent as the
// envelope's "data", byte for byte (the amount stays 49.99).
var events = []struct {
	typ  string
	data json.RawMessage
}{
	{"payment.succeeded", json.RawMessage(`{"payment":{"id":"pi_3Mqwerty","amount":49.99,"currency":"USD"},"customer":{"email":"alice@example.com"}}`)},
	{"user.created", json.RawMessage(`{"user":{"email":"bob@example.com","name":"Bob Smith"}}`)},
	{"invalid.event", json.RawMessage(`{"test":true}`)},
}

// referenceRetry is the reference behaviour: retry 1 after 60 s, retry 2
// after 300 s.
var referenceRetry = webhook.Schedule{time.Minute, 5 * time.Minute}

func main() {
	secret, err := webhook.SecretFromEnv("WEBHOOK_SECRET")
	if err != nil {
		fmt.Fprintln(os.Stderr, "sender:", err)
		os.Exit(2)
	}
	url := os.Getenv("WEBHOOK_URL")
	if url == "" {
		url = "http://127.0.0.1:8080/webhook"
	}
	signer, err := webhook.NewSigner(secret, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sender:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	failed, err := run(ctx, signer, referenceRetry, url, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sender:", err)
		os.Exit(2)
	}
	if failed > 0 {
		os.Exit(1)
	}
}

// run sends every reference event with retry and returns how many were not
// accepted.
func run(ctx context.Context, signer webhook.HeaderSigner, retry webhook.RetryPolicy, url string, out io.Writer) (int, error) {
	sender, err := webhook.NewSender(&webhook.SenderOptions{
		Signer: signer,
		Retry:  retry,
		OnAttempt: func(a webhook.AttemptReport) {
			if a.Retry {
				fmt.Fprintf(out, "Failed %s: %s (retry %d after %s)\n", a.Type, describe(a), a.Number, a.NextDelay)
			}
		},
	})
	if err != nil {
		return 0, err
	}
	defer sender.CloseIdleConnections()
	failed := 0
	for _, e := range events {
		report, err := sender.Send(ctx, url, webhook.Message{Type: e.typ, Data: e.data})
		if err != nil {
			failed++
		}
		if status := report.StatusCode(); status != 0 {
			fmt.Fprintf(out, "Sent %s: HTTP %d id=%s\n", e.typ, status, report.MessageID)
		} else {
			fmt.Fprintf(out, "Sent %s: error: %v\n", e.typ, err)
		}
	}
	return failed, nil
}

// describe says how an attempt failed, in a few words.
func describe(a webhook.AttemptReport) string {
	if a.StatusCode != 0 {
		return fmt.Sprintf("HTTP %d", a.StatusCode)
	}
	return a.Err.Error()
}
