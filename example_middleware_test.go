package webhook_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/signedhooks/webhook"
)

// A consumer wraps its handler; only genuine, fresh, first-time deliveries
// reach it. Here one message is delivered twice, as a sender does when the
// first response is lost: the handler runs once.
func ExampleMiddleware() {
	secret := []byte("an example secret, 32 bytes long")
	verifier, err := webhook.NewVerifier(secret, nil)
	if err != nil {
		panic(err)
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, _ := webhook.EventFromContext(r.Context())
		fmt.Printf("handling %s %s\n", ev.Type, ev.ID)
	})
	h := webhook.Middleware(verifier, nil)(handler)

	signer, _ := webhook.NewSigner(secret, nil)
	body := `{"event":"user.created","data":{"user":{"id":42}}}`
	for attempt := range 2 {
		req := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(body))
		// Each attempt is signed afresh, with the same message id.
		signer.SignHeaders(req.Header, "msg_2f1c", time.Now().Add(time.Duration(attempt-1)*time.Second), []byte(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Println(strings.TrimSpace(fmt.Sprint(rec.Code, " ", rec.Body.String())))
	}
	// Output:
	// handling user.created msg_2f1c
	// 200
	// 200 {"status":"already_processed"}
}

// OnOutcome feeds metrics: here plain counters by outcome, where a service
// would increment a Prometheus counter vector or an OpenTelemetry
// instrument labelled with o.Kind.String().
func ExampleMiddleware_metrics() {
	secret := []byte("an example secret, 32 bytes long")
	verifier, _ := webhook.NewVerifier(secret, nil)
	var mu sync.Mutex
	counters := map[string]int{}
	opts := &webhook.MiddlewareOptions{
		OnOutcome: func(_ context.Context, o webhook.Outcome) {
			mu.Lock()
			counters[o.Kind.String()]++
			mu.Unlock()
		},
	}
	h := webhook.Middleware(verifier, opts)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))

	signer, _ := webhook.NewSigner(secret, nil)
	deliver := func(id string, ts time.Time, tamper bool) {
		body := `{"event":"payment.succeeded"}`
		req := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(body))
		signer.SignHeaders(req.Header, id, ts, []byte(body))
		if tamper {
			req.Body = http.NoBody
		}
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	now := time.Now()
	deliver("msg_1", now.Add(-2*time.Second), false) // processed
	deliver("msg_1", now.Add(-time.Second), false)   // duplicate
	deliver("msg_1", now.Add(-time.Second), false)   // replayed signature
	deliver("msg_2", now, true)                      // rejected
	fmt.Println(counters)
	// Output:
	// map[duplicate:1 processed:1 rejected:1 replayed:1]
}

// A Mux routes verified events by type. Unknown types are acknowledged, and
// a handler error becomes a 500 that the sender retries.
func ExampleMux() {
	secret := []byte("an example secret, 32 bytes long")
	verifier, _ := webhook.NewVerifier(secret, nil)
	mux := webhook.NewMux(nil)
	mux.HandleFunc("payment.succeeded", func(ctx context.Context, ev webhook.Event) error {
		p, err := webhook.DecodeData[struct {
			Payment struct{ Amount int } `json:"payment"`
		}](ev)
		if err != nil {
			return err
		}
		fmt.Println("payment of", p.Payment.Amount)
		return nil
	})
	h := webhook.Middleware(verifier, nil)(mux)

	signer, _ := webhook.NewSigner(secret, nil)
	for i, body := range []string{
		`{"event":"payment.succeeded","data":{"payment":{"amount":1200}}}`,
		`{"event":"invalid.event"}`,
	} {
		req := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(body))
		signer.SignHeaders(req.Header, fmt.Sprint("msg_", i), time.Now(), []byte(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	// Output:
	// payment of 1200
	// 200 {"status":"ok"}
	// 200 {"status":"ignored"}
}
