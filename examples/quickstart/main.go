// Command quickstart shows the whole library at work with nothing to set up:
// it starts a consumer on a free loopback port, sends it signed events, shows
// a retried delivery acknowledged without being handled twice, a replayed
// signature refused, and a tampered and a stale request rejected.
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
	// replays and acknowledges duplicates without running the handler; the
	// hook shows what it decided. The caller learns only the status.
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, _ := webhook.EventFromContext(r.Context())
		fmt.Fprintf(out, "   consumer accepted %s (%s): %s\n", ev.ID, ev.Type, ev.Payload)
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

	fmt.Fprintln(out, "3. Sending two signed events:")
	var firstID, firstSig string
	for _, body := range []string{
		`{"event":"payment.succeeded","data":{"payment":{"id":"pay_123","amount":2000}}}`,
		`{"event":"user.created","data":{"user":{"id":"usr_456"}}}`,
	} {
		req, err := newReq(body)
		if err != nil {
			return err
		}
		if err := signer.SignRequest(req, ""); err != nil {
			return err
		}
		if firstID == "" {
			firstID, firstSig = req.Header.Get(webhook.IDHeader), req.Header.Get(webhook.SignatureHeader)
		}
		status, err := post(req)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "   sender got HTTP %d\n", status)
	}

	fmt.Fprintln(out, "3b. The sender retries the payment (its first response was lost): same id, signed afresh:")
	payment := `{"event":"payment.succeeded","data":{"payment":{"id":"pay_123","amount":2000}}}`
	req, err := newReq(payment)
	if err != nil {
		return err
	}
	// A retry comes later, so it carries a later timestamp and a new signature.
	if err := signer.SignHeaders(req.Header, firstID, time.Now().Add(time.Second), []byte(payment)); err != nil {
		return err
	}
	status, err := post(req)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   sender got HTTP %d\n", status)

	fmt.Fprintln(out, "3c. An attacker replays the captured first request under a new id:")
	req, err = newReq(payment)
	if err != nil {
		return err
	}
	req.Header.Set(webhook.SignatureHeader, firstSig)
	req.Header.Set(webhook.IDHeader, "msg_forged")
	status, err = post(req)
	if err != nil {
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
	fmt.Fprintln(out, "Done.")
	return nil
}
