package webhooktest_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/webhooktest"
)

const exampleSecret = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

// exampleHandler is a consumer as the README builds it: the middleware
// around a Mux with one handler, which prints what it processes.
func exampleHandler() (http.Handler, *[]string) {
	key, err := webhook.ParseSecret(exampleSecret)
	if err != nil {
		panic(err)
	}
	v, err := webhook.NewVerifier(key, nil)
	if err != nil {
		panic(err)
	}
	var ran []string
	mux := webhook.NewMux(nil)
	mux.HandleFunc("payment.succeeded", func(_ context.Context, ev webhook.Event) error {
		p, err := webhook.DecodeData[payment](ev)
		if err != nil {
			return err
		}
		ran = append(ran, ev.ID)
		fmt.Printf("Payment %s: $%.2f succeeded\n", p.ID, p.Amount)
		return nil
	})
	return webhook.Middleware(v, nil)(mux), &ran
}

// A handler tested with one signed request.
func ExampleNewRequest() {
	h, _ := exampleHandler()

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, webhooktest.NewRequest(webhooktest.Native(exampleSecret), "/webhooks",
		webhook.Message{Type: "payment.succeeded", Data: payment{ID: "pi_1", Amount: 49.99}}))

	fmt.Println(rec.Code, rec.Body.String())
	// Output:
	// Payment pi_1: $49.99 succeeded
	// 200 {"status":"ok"}
}

// A handler put through the hard cases: it runs once per message, and
// refuses what it must.
func ExampleProvider_Deliver() {
	h, ran := exampleHandler()

	p := webhooktest.Provider{Signer: webhooktest.Native(exampleSecret)}
	rep := p.Deliver(h, webhook.Message{Type: "payment.succeeded", Data: payment{ID: "pi_1", Amount: 49.99}})

	for _, c := range rep.Cases {
		fmt.Printf("%-10s %d %s\n", c.Name, c.Status, bytes.TrimSpace(c.Response))
	}
	fmt.Println("check:", rep.Check(*ran))
	// Output:
	// Payment pi_1: $49.99 succeeded
	// Payment pi_1: $49.99 succeeded
	// deliver    200 {"status":"ok"}
	// duplicate  409 {"error":"replayed","message":"this signature was received before; retry with a fresh signature"}
	// retry      200 {"status":"already_processed"}
	// stale      401 {"error":"unauthorized","message":"the request could not be authenticated"}
	// future     401 {"error":"unauthorized","message":"the request could not be authenticated"}
	// tampered   401 {"error":"unauthorized","message":"the request could not be authenticated"}
	// new id     409 {"error":"replayed","message":"this signature was received before; retry with a fresh signature"}
	// equal body 200 {"status":"ok"}
	// check: <nil>
}

// A Sender tested against a recording consumer.
func ExampleNewServer() {
	key, err := webhook.ParseSecret(exampleSecret)
	if err != nil {
		panic(err)
	}
	v, err := webhook.NewVerifier(key, nil)
	if err != nil {
		panic(err)
	}
	srv := webhooktest.NewServer(v)
	defer srv.Close()

	s, err := webhook.NewSender(&webhook.SenderOptions{Secret: key})
	if err != nil {
		panic(err)
	}
	msg := webhook.Message{ID: "msg_1", Type: "payment.succeeded", Data: payment{ID: "pi_1", Amount: 49.99}}
	if _, err := s.Send(context.Background(), srv.URL+"/webhooks", msg); err != nil {
		panic(err)
	}

	got, err := srv.Wait(context.Background(), 1)
	if err != nil {
		panic(err)
	}
	fmt.Println(got[0].Path, got[0].Auth.ID, got[0].Err)
	fmt.Println(string(got[0].Body))
	// Output:
	// /webhooks msg_1 <nil>
	// {"id":"msg_1","event":"payment.succeeded","data":{"id":"pi_1","amount":49.99}}
}
