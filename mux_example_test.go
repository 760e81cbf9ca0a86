package webhook_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/signedhooks/webhook"
)

// A handler refuses a payload it can never process (a poison message) with
// Unprocessable: the delivery is acknowledged and recorded, so the sender
// stops retrying, and the middleware reports the outcome "unprocessable"
// with the error. Any other error is a 500 that the sender retries.
func ExampleUnprocessable() {
	secret := []byte("an example secret, 32 bytes long")
	verifier, _ := webhook.NewVerifier(secret, nil)
	mux := webhook.NewMux(nil)
	mux.HandleFunc("payment.succeeded", func(ctx context.Context, ev webhook.Event) error {
		p, err := webhook.DecodeData[struct {
			Currency string `json:"currency"`
		}](ev)
		if err != nil {
			return webhook.Unprocessable(err) // retrying cannot fix the bytes
		}
		if p.Currency != "EUR" {
			return webhook.Unprocessable(fmt.Errorf("currency %q not supported", p.Currency))
		}
		return nil
	})
	h := webhook.Middleware(verifier, &webhook.MiddlewareOptions{
		OnOutcome: func(_ context.Context, o webhook.Outcome) {
			if errors.Is(o.Err, webhook.ErrUnprocessable) {
				fmt.Println(o.Kind, o.ID+":", o.Err)
			}
		},
	})(mux)

	signer, _ := webhook.NewSigner(secret, nil)
	body := `{"event":"payment.succeeded","data":{"currency":"XYZ"}}`
	for i := range 2 { // the first delivery, then a retry with a new signature
		req := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(body))
		signer.SignHeaders(req.Header, "msg_1", time.Now().Add(time.Duration(i-2)*time.Second), []byte(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	// Output:
	// unprocessable msg_1: webhook: unprocessable event: currency "XYZ" not supported
	// 200 {"status":"unprocessable"}
	// 200 {"status":"already_processed"}
}
