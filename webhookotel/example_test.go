package webhookotel_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"
	"sort"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/webhookotel"
)

// Example sends one message from an instrumented Sender to an instrumented
// consumer and prints the trace: the consumer's server span is a child of
// the sender's attempt span. A program would pass the providers of its SDK
// setup (or none, to use the global ones).
func Example() {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	defer tp.Shutdown(context.Background()) //nolint:errcheck
	tel := &webhookotel.Options{TracerProvider: tp}

	secret := []byte("whsec_example_0123456789abcdef0123")
	verifier, err := webhook.NewVerifier(secret, nil)
	if err != nil {
		log.Fatal(err)
	}
	events := webhook.NewMux(nil)
	events.HandleFunc("invoice.paid", func(ctx context.Context, e webhook.Event) error { return nil })
	mw := webhookotel.Middleware(verifier, nil, tel)
	srv := httptest.NewServer(mw(events))
	defer srv.Close()

	sender, err := webhookotel.NewSender(&webhook.SenderOptions{Secret: secret}, tel)
	if err != nil {
		log.Fatal(err)
	}
	defer sender.CloseIdleConnections()
	if _, err := sender.Send(context.Background(), srv.URL, webhook.Message{ID: "msg_1", Type: "invoice.paid", Data: map[string]int{"amount": 100}}); err != nil {
		log.Fatal(err)
	}

	ended := spans.Ended()
	// The client span first.
	sort.SliceStable(ended, func(i, j int) bool {
		return ended[i].SpanKind() == trace.SpanKindClient && ended[j].SpanKind() != trace.SpanKindClient
	})
	for _, s := range ended {
		attrs := map[string]string{}
		for _, kv := range s.Attributes() {
			attrs[string(kv.Key)] = kv.Value.Emit()
		}
		parent := "root"
		if s.Parent().SpanID() == ended[0].SpanContext().SpanID() {
			parent = "child of the attempt"
		}
		fmt.Printf("%s %s (%s): webhook.attempt.class=%s webhook.outcome=%s\n",
			s.SpanKind(), s.Name(), parent, attrs["webhook.attempt.class"], attrs["webhook.outcome"])
	}
	// Output:
	// client POST (root): webhook.attempt.class=delivered webhook.outcome=
	// server POST (child of the attempt): webhook.attempt.class= webhook.outcome=processed
}

// Example_transport uses only the tracing transport, with a Sender built
// elsewhere: the network guard still applies below it.
func Example_transport() {
	tel := webhookotel.NewSenderTelemetry(nil) // the global providers
	opts := webhook.SenderOptions{Secret: []byte("whsec_example_0123456789abcdef0123"), BlockPrivateNetworks: true}
	tel.Instrument(&opts)
	sender, err := webhook.NewSender(&opts)
	if err != nil {
		log.Fatal(err)
	}
	_, err = sender.Send(context.Background(), "http://127.0.0.1:9/hook", webhook.Message{ID: "msg_1", Type: "t", Data: 1})
	fmt.Println(errors.Is(err, webhook.ErrBlockedAddress))
	// Output: true
}
