package webhook_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/signedhooks/webhook"
)

func ExampleSender_Send() {
	secret := []byte("an example secret of 32 bytes!!!")

	// A consumer that is down for the first attempt.
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()

	sender, err := webhook.NewSender(&webhook.SenderOptions{
		Secret: secret,
		Retry:  webhook.Schedule{10 * time.Millisecond, 50 * time.Millisecond},
		OnAttempt: func(a webhook.AttemptReport) {
			if a.Retry {
				fmt.Printf("%s: HTTP %d, retry %d after %s\n", a.MessageID, a.StatusCode, a.Number, a.NextDelay)
			}
		},
	})
	if err != nil {
		panic(err)
	}
	defer sender.CloseIdleConnections()

	report, err := sender.Send(context.Background(), srv.URL, webhook.Message{
		ID:   "wh_001",
		Type: "payment.succeeded",
		Data: map[string]any{"payment": map[string]any{"id": "pay_123", "amount": 2000}},
	})
	if err != nil {
		fmt.Println("not delivered:", err)
		return
	}
	fmt.Printf("%s: %s after %d attempts (HTTP %d)\n", report.MessageID, report.Outcome, len(report.Attempts), report.StatusCode())
	// Output:
	// wh_001: HTTP 503, retry 1 after 10ms
	// wh_001: delivered after 2 attempts (HTTP 200)
}

func ExampleClassify() {
	for _, status := range []int{200, 302, 404, 410, 429, 503} {
		fmt.Println(status, webhook.Classify(status, nil))
	}
	// Output:
	// 200 delivered
	// 302 retry
	// 404 permanent
	// 410 gone
	// 429 retry
	// 503 retry
}

func ExampleSchedule() {
	// The reference behaviour: retry 1 after 60 s, retry 2 after 300 s.
	policy := webhook.Schedule{time.Minute, 5 * time.Minute}
	for attempt := 1; ; attempt++ {
		d, ok := policy.Delay(attempt, 0)
		if !ok {
			fmt.Printf("attempt %d failed: give up\n", attempt)
			break
		}
		fmt.Printf("attempt %d failed: retry %d after %s\n", attempt, attempt, d)
	}
	// An endpoint asking for a year is clamped to the longest wait.
	d, _ := policy.Delay(1, webhook.ParseRetryAfter("31536000", time.Now()))
	fmt.Println("Retry-After: 31536000 ->", d)
	// Output:
	// attempt 1 failed: retry 1 after 1m0s
	// attempt 2 failed: retry 2 after 5m0s
	// attempt 3 failed: give up
	// Retry-After: 31536000 -> 5m0s
}

// A job queue runs one attempt per job and schedules the next run itself,
// with the same policy and classification as Send.
func ExampleSender_Attempt() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	sender, err := webhook.NewSender(&webhook.SenderOptions{Secret: []byte("an example secret of 32 bytes!!!")})
	if err != nil {
		panic(err)
	}
	defer sender.CloseIdleConnections()
	policy := webhook.Schedule{time.Minute, 5 * time.Minute, 30 * time.Minute}

	// The id was stored with the job, so it is the same on every run.
	msg := webhook.Message{ID: "msg_0001", Type: "user.created", Data: map[string]string{"user": "u_1"}}
	attempt := 2                                    // this job's run number
	prev := time.Now().Add(-300 * time.Millisecond) // attempt 1's SignedAt, stored with the job
	a, _ := sender.Attempt(context.Background(), srv.URL, msg, webhook.AttemptOptions{Number: attempt, After: prev})
	switch a.Class {
	case webhook.ClassDelivered:
		fmt.Println("done")
	case webhook.ClassRetry:
		if d, ok := policy.Delay(attempt, a.RetryAfter); ok {
			fmt.Printf("HTTP %d: run again in %s\n", a.StatusCode, d)
		} else {
			fmt.Println("give up")
		}
	default: // ClassPermanent, ClassGone
		fmt.Println("cancel:", a.Class)
	}
	// Output:
	// HTTP 429: run again in 2m0s
}

func ExampleSender_WithSigner() {
	// Two customers' endpoints, each checking its own secret.
	secrets := map[string][]byte{
		"acme":   []byte("acme's secret, of 32 bytes!!!!!!"),
		"globex": []byte("globex's secret, of 32 bytes!!!!"),
	}
	mux := http.NewServeMux()
	for name, secret := range secrets {
		v, err := webhook.NewVerifier(secret, nil)
		if err != nil {
			panic(err)
		}
		mux.Handle("/"+name, webhook.Middleware(v, nil)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()

	// One base Sender holds the connections; each customer's Sender signs
	// with that customer's secret over them.
	base, err := webhook.NewSender(&webhook.SenderOptions{Secret: []byte("unused base secret of 32 bytes!!")})
	if err != nil {
		panic(err)
	}
	defer base.CloseIdleConnections()
	for _, name := range []string{"acme", "globex"} {
		signer, err := webhook.NewSigner(secrets[name], nil)
		if err != nil {
			panic(err)
		}
		s, err := base.WithSigner(signer)
		if err != nil {
			panic(err)
		}
		r, err := s.Send(context.Background(), srv.URL+"/"+name, webhook.Message{Type: "invoice.paid", Data: map[string]string{"customer": name}})
		if err != nil {
			panic(err)
		}
		fmt.Println(name, r.Outcome)
	}
	// Output:
	// acme delivered
	// globex delivered
}
