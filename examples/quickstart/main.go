// Command quickstart shows the whole library at work with nothing to set up:
// it starts a consumer on a free loopback port, sends it signed events, shows
// a repeated delivery acknowledged without being handled twice, a replayed
// signature refused, a tampered and a stale request rejected, and a delivery
// to a flaky endpoint retried until it succeeds.
//
//	go run ./examples/quickstart
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/signedhooks/webhook"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, out io.Writer) error {
	secret, err := webhook.NewSecret()
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "1. A fresh secret is shared by sender and consumer (never printed).")

	verifier, err := webhook.NewVerifier(secret, nil)
	if err != nil {
		return err
	}
	signer, err := webhook.NewSigner(secret, nil)
	if err != nil {
		return err
	}

	// The consumer: webhook.Middleware verifies each delivery, refuses
	// replays and acknowledges duplicates without running the handler; its
	// hook shows what it decided, while the caller learns only the status.
	// Under /flaky the handler fails the first two attempts of every
	// message, like an endpoint in the middle of a deploy; a failure
	// releases the message, so the sender's retry runs it.
	var mu sync.Mutex
	attempts := map[string]int{}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, _ := webhook.EventFromContext(r.Context())
		if r.URL.Path == "/flaky" {
			mu.Lock()
			attempts[ev.ID]++
			n := attempts[ev.ID]
			mu.Unlock()
			if n <= 2 {
				fmt.Fprintf(out, "   flaky consumer fails %s on purpose: HTTP 503\n", ev.ID)
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
		}
		fmt.Fprintf(out, "   consumer accepted %s: %s\n", ev.ID, ev.Payload)
	})
	consumer := webhook.Middleware(verifier, &webhook.MiddlewareOptions{
		OnOutcome: func(_ context.Context, o webhook.Outcome) {
			switch o.Kind {
			case webhook.OutcomeRejected:
				fmt.Fprintf(out, "   consumer rejected a delivery: %v\n", o.Err)
			case webhook.OutcomeDuplicate:
				fmt.Fprintf(out, "   consumer acknowledged a duplicate of %s without handling it again\n", o.ID)
			case webhook.OutcomeReplayed:
				fmt.Fprintf(out, "   consumer refused a replayed signature (claimed id %s)\n", o.ID)
			}
		},
	})(handler)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: consumer, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer srv.Shutdown(ctx)
	url := "http://" + ln.Addr().String() + "/webhook"
	fmt.Fprintf(out, "2. Consumer listening on %s\n", url)

	post := func(req *http.Request) (int, error) {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	newReq := func(body string) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader([]byte(body)))
	}

	// The Sender signs every attempt afresh and retries failures. Short
	// demo delays here; the reference schedule is 60 s, then 300 s.
	sender, err := webhook.NewSender(&webhook.SenderOptions{
		Signer: signer,
		Retry:  webhook.Schedule{100 * time.Millisecond, 200 * time.Millisecond},
		OnAttempt: func(a webhook.AttemptReport) {
			if a.Retry {
				fmt.Fprintf(out, "   Processing %s: %s (retry %d after %s)\n", a.Type, a.MessageID, a.Number, a.NextDelay)
			}
		},
	})
	if err != nil {
		return err
	}
	defer sender.CloseIdleConnections()

	fmt.Fprintln(out, "3. Sending two signed events:")
	payment := `{"event":"payment.succeeded","data":{"payment":{"id":"pay_123","amount":2000}}}`
	for _, m := range []webhook.Message{
		{ID: "wh_pay_123", Type: "payment.succeeded", Payload: []byte(payment)},
		{Type: "user.created", Data: map[string]any{"user": map[string]any{"id": "usr_456"}}},
	} {
		report, err := sender.Send(ctx, url, m)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "   sender got HTTP %d\n", report.StatusCode())
	}

	fmt.Fprintln(out, "3b. The payment again (its first response was lost): same id, signed afresh:")
	req, err := newReq(payment)
	if err != nil {
		return err
	}
	// A retry comes later, so it carries a later timestamp and a new signature.
	if err := signer.SignHeaders(req.Header, "wh_pay_123", time.Now().Add(time.Second), []byte(payment)); err != nil {
		return err
	}
	captured := req.Header.Get(webhook.SignatureHeader)
	status, err := post(req)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   sender got HTTP %d\n", status)

	fmt.Fprintln(out, "3c. An attacker replays that captured request under a new id:")
	if req, err = newReq(payment); err != nil {
		return err
	}
	req.Header.Set(webhook.SignatureHeader, captured)
	req.Header.Set(webhook.IDHeader, "wh_forged")
	if status, err = post(req); err != nil {
		return err
	}
	fmt.Fprintf(out, "   sender got HTTP %d\n", status)

	fmt.Fprintln(out, "4. A request whose body was changed after signing:")
	req, err = newReq(`{"event":"payment.succeeded","data":{"payment":{"id":"pay_123","amount":2000}}}`)
	if err != nil {
		return err
	}
	if err := signer.SignRequest(req, ""); err != nil {
		return err
	}
	req.Body = io.NopCloser(bytes.NewReader([]byte(`{"event":"payment.succeeded","data":{"payment":{"id":"pay_123","amount":999999}}}`)))
	req.ContentLength = -1
	status, err = post(req)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   sender got HTTP %d\n", status)

	fmt.Fprintln(out, "5. A genuine request signed 10 minutes ago (a captured replay):")
	stale := `{"event":"user.created","data":{"user":{"id":"usr_456"}}}`
	req, err = newReq(stale)
	if err != nil {
		return err
	}
	req.Header.Set(webhook.SignatureHeader, signer.Sign(time.Now().Add(-10*time.Minute), []byte(stale)))
	status, err = post(req)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   sender got HTTP %d\n", status)

	fmt.Fprintln(out, "6. A request with no signature at all:")
	req, err = newReq(stale)
	if err != nil {
		return err
	}
	status, err = post(req)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   sender got HTTP %d\n", status)

	fmt.Fprintln(out, "7. An endpoint that fails twice, then succeeds; every retry keeps the id and is signed afresh:")
	report, err := sender.Send(ctx, strings.Replace(url, "/webhook", "/flaky", 1), webhook.Message{
		ID:      "wh_001",
		Type:    "payment.succeeded",
		Payload: []byte(`{"event":"payment.succeeded","data":{"payment":{"id":"pay_789","amount":500}}}`),
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   %s after %d attempts: HTTP %d\n", report.Outcome, len(report.Attempts), report.StatusCode())
	fmt.Fprintln(out, "Done.")
	return nil
}
