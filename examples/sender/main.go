// Command sender is the reference webhook sender: it signs and posts three
// events (payment.succeeded, user.created, invalid.event) to a consumer.
//
//	WEBHOOK_SECRET=... go run ./examples/sender
//
// WEBHOOK_URL sets the target (default http://127.0.0.1:8080/webhook). It
// exits non-zero if any event was not accepted.
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/signedhooks/webhook"
)

// events are the reference deliveries.
var events = []struct{ typ, body string }{
	{"payment.succeeded", `{"event":"payment.succeeded","data":{"payment":{"id":"pay_123","amount":2000,"currency":"usd"}}}`},
	{"user.created", `{"event":"user.created","data":{"user":{"id":"usr_456","email":"ada@example.com"}}}`},
	{"invalid.event", `{"event":"invalid.event","data":{}}`},
}

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
	if failed := run(context.Background(), signer, url, os.Stdout); failed > 0 {
		os.Exit(1)
	}
}

// run sends every reference event and returns how many were not accepted.
func run(ctx context.Context, signer *webhook.Signer, url string, out io.Writer) int {
	client := &http.Client{Timeout: 10 * time.Second}
	failed := 0
	for _, e := range events {
		status, err := send(ctx, client, signer, url, []byte(e.body))
		if err != nil {
			fmt.Fprintf(out, "Sent %s: error: %v\n", e.typ, err)
			failed++
			continue
		}
		fmt.Fprintf(out, "Sent %s: HTTP %d\n", e.typ, status)
		if status < 200 || status > 299 {
			failed++
		}
	}
	return failed
}

func send(ctx context.Context, client *http.Client, signer *webhook.Signer, url string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	if err := signer.SignRequest(req, ""); err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}
