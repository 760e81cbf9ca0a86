// Command quickstart shows the whole library at work with nothing to set up:
// it starts a consumer on a free loopback port, sends it signed events, shows
// a tampered and a stale request being rejected, and a delivery to a flaky
// endpoint being retried until it succeeds.
//
//	go run ./examples/quickstart
package main

import (
	"bytes"
	"context"
	"errors"
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

	// The consumer: verify, then handle. Under /flaky it fails the first two
	// attempts of every message, like an endpoint in the middle of a deploy.
	var mu sync.Mutex
	attempts := map[string]int{}
	consumer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := verifier.VerifyRequest(r)
		if err != nil {
			// The caller learns only the status; the reason stays here.
			fmt.Fprintf(out, "   consumer rejected a delivery: %v\n", err)
			code := http.StatusUnauthorized
			if errors.Is(err, webhook.ErrMissingSignature) || errors.Is(err, webhook.ErrInvalidHeader) {
				code = http.StatusBadRequest
			}
			http.Error(w, http.StatusText(code), code)
			return
		}
		id := r.Header.Get(webhook.IDHeader)
		if r.URL.Path == "/flaky" {
			mu.Lock()
			attempts[id]++
			n := attempts[id]
			mu.Unlock()
			if n <= 2 {
				fmt.Fprintf(out, "   flaky consumer fails %s on purpose: HTTP 503\n", id)
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
		}
		fmt.Fprintf(out, "   consumer accepted %s: %s\n", id, body)
		w.WriteHeader(http.StatusOK)
	})

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
	for _, m := range []webhook.Message{
		{Type: "payment.succeeded", Payload: []byte(`{"event":"payment.succeeded","data":{"payment":{"id":"pay_123","amount":2000}}}`)},
		{Type: "user.created", Data: map[string]any{"user": map[string]any{"id": "usr_456"}}},
	} {
		report, err := sender.Send(ctx, url, m)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "   sender got HTTP %d\n", report.StatusCode())
	}

	fmt.Fprintln(out, "4. A request whose body was changed after signing:")
	req, err := newReq(`{"event":"payment.succeeded","data":{"payment":{"id":"pay_123","amount":2000}}}`)
	if err != nil {
		return err
	}
	if err := signer.SignRequest(req, ""); err != nil {
		return err
	}
	req.Body = io.NopCloser(bytes.NewReader([]byte(`{"event":"payment.succeeded","data":{"payment":{"id":"pay_123","amount":999999}}}`)))
	req.ContentLength = -1
	status, err := post(req)
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
