package relay_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/relay"
	"github.com/signedhooks/webhook/webhooktest"
)

func ExampleParseConfig() {
	text := `
sources:
  - {name: stripe, path: /in/stripe, scheme: stripe, secret_env: STRIPE_WEBHOOK_SECRET}
destinations:
  - {name: billing, url: "http://10.1.2.3/hooks", secret_env: BILLING_SECRET, allow_private_network: true}
routes:
  - {source: stripe, types: ["invoice.*"], to: [billing]}
  - {source: stripe, types: [charge.refunded], to: [ledger]}
`
	env := map[string]string{
		"STRIPE_WEBHOOK_SECRET": "whsec_c3RyaXBlLXNlY3JldC1mb3ItdGVzdHM",
		"BILLING_SECRET":        "whsec_YmlsbGluZy1zZWNyZXQtMTIzNDU2",
	}
	_, err := relay.ParseConfig([]byte(text), &relay.ConfigOptions{
		Filename:  "relay.yaml",
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
	})
	fmt.Println(err)
	// Output:
	// relay: relay.yaml:8: routes[1].to[0]: invalid value: no destination is named "ledger"
}

// Example runs a relay in the process: a Stripe-signed delivery comes in,
// and the billing service receives it re-signed with its own secret.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "relay-example")
	defer os.RemoveAll(dir)

	// The internal service verifies the relay's native signature.
	billingSecret := webhook.FormatSecret([]byte("billing-secret-0123456789"))
	key, _ := webhook.ParseSecret(billingSecret)
	verifier, _ := webhook.NewVerifier(key, nil)
	got := make(chan webhook.Event, 1)
	billing := httptest.NewServer(webhook.Middleware(verifier, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, _ := webhook.EventFromContext(r.Context())
		got <- ev
	})))
	defer billing.Close()

	stripeSecret := "whsec_c3RyaXBlLXNlY3JldC1mb3ItdGVzdHM"
	text := `database: ` + filepath.Join(dir, "relay.db") + `
sources:
  - {name: stripe, path: /in/stripe, scheme: stripe, secret_env: STRIPE_WEBHOOK_SECRET}
destinations:
  - {name: billing, url: "` + billing.URL + `/hooks", secret_env: BILLING_SECRET, allow_private_network: true}
routes:
  - {source: stripe, types: ["invoice.*"], to: [billing]}
`
	env := map[string]string{"STRIPE_WEBHOOK_SECRET": stripeSecret, "BILLING_SECRET": billingSecret}
	cfg, err := relay.ParseConfig([]byte(text), &relay.ConfigOptions{
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	rl, err := relay.New(ctx, cfg, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rl.Close(ctx)
	_ = rl.Start(ctx)
	in := httptest.NewServer(rl.Handler())
	defer in.Close()

	// Stripe delivers an event.
	body := `{"id":"evt_1","type":"invoice.paid","data":{"object":{"id":"in_1"}}}`
	req, _ := http.NewRequest(http.MethodPost, in.URL+"/in/stripe", strings.NewReader(body))
	_ = webhooktest.Stripe(stripeSecret).SignHeaders(req.Header, "", time.Now(), []byte(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println("stripe got", resp.StatusCode)

	select {
	case ev := <-got:
		data, _ := ev.Data()
		fmt.Println("billing got", ev.ID, ev.Type, string(data) == body)
	case <-time.After(30 * time.Second):
		fmt.Println("billing got nothing")
	}
	// Output:
	// stripe got 202
	// billing got stripe:evt_1 invoice.paid true
}
