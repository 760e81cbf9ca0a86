// Command sender is the reference webhook sender: it signs and posts three
// events (payment.succeeded, user.created, invalid.event) to a consumer with
// a webhook.Sender, retrying failed deliveries after 60 s and then 300 s.
//
//	WEBHOOK_SECRET=... go run ./examples/sender
//
// WEBHOOK_URL sets the target (default http://127.0.0.1:8080/webhook). It
// exits non-zero if any event was not accepted. Ctrl-C stops a retry wait at
// once.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/signedhooks/webhook"
)

// events are the reference deliveries.
var events = []struct{ typ, body string }{
	{"payment.succeeded", `{"event":"payment.succeeded","data":{"payment":{"id":"pay_123","amount":2000,"currency":"usd"}}}`},
	{"user.created", `{"event":"user.created","data":{"user":{"id":"usr_456","email":"ada@example.com"}}}`},
	{"invalid.event", `{"event":"invalid.event","data":{}}`},
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
		report, err := sender.Send(ctx, url, webhook.Message{Type: e.typ, Payload: []byte(e.body)})
		if err != nil {
			failed++
		}
		if status := report.StatusCode(); status != 0 {
			fmt.Fprintf(out, "Sent %s: HTTP %d\n", e.typ, status)
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
