package durable_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
)

// Hooks see every delivery attempt, here to log it; a tracing library
// also carries its trace from the enqueue into the runs with Inject and
// Run (the webhookotel/durableotel module does it for OpenTelemetry).
func ExampleHooks() {
	ctx := context.Background()
	var calls atomic.Int32
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable) // the first attempt fails
		}
	}))
	defer endpoint.Close()

	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	db, err := durable.OpenSQLite(filepath.Join(dir, "app.db"))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	backend := durable.SQLite(db)
	if err := durable.Migrate(ctx, backend); err != nil {
		panic(err)
	}
	attempts := make(chan durable.AttemptInfo, 2)
	rt, _ := durable.NewRuntime(backend, &durable.RuntimeOptions{Hooks: durable.Hooks{
		OnAttempt: func(_ context.Context, a durable.AttemptInfo) { attempts <- a },
	}})
	outbox, _ := durable.NewOutbox(rt, &webhook.SenderOptions{
		Secret: []byte("an example secret, 32 bytes long"),
		Retry:  webhook.Backoff{InitialDelay: 10 * time.Millisecond, MaxDelay: time.Second},
	}, nil)
	_ = rt.Start(ctx)
	defer rt.Stop(ctx)

	if _, err := outbox.Enqueue(ctx, endpoint.URL, durable.Message{ID: "msg_1", Type: "order.created", Data: 42}); err != nil {
		panic(err)
	}
	for range 2 {
		a := <-attempts
		fmt.Println(a.Queue, a.MessageID, a.Number, a.StatusCode, a.Outcome)
	}
	// Output:
	// webhook_outbox msg_1 1 503 retry
	// webhook_outbox msg_1 2 200 delivered
}

// QueueStats tells how far behind each queue is: here two messages wait
// for a process that delivers.
func ExampleRuntime_QueueStats() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	db, err := durable.OpenSQLite(filepath.Join(dir, "app.db"))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	backend := durable.SQLite(db)
	if err := durable.Migrate(ctx, backend); err != nil {
		panic(err)
	}
	rt, _ := durable.NewRuntime(backend, nil)
	outbox, _ := durable.NewOutbox(rt, &webhook.SenderOptions{Secret: []byte("an example secret, 32 bytes long")},
		&durable.OutboxOptions{EnqueueOnly: true})
	for _, id := range []string{"msg_1", "msg_2"} {
		if _, err := outbox.Enqueue(ctx, "https://example.com/hooks", durable.Message{ID: id, Data: 1}); err != nil {
			panic(err)
		}
	}

	stats, err := rt.QueueStats(ctx)
	if err != nil {
		panic(err)
	}
	for _, s := range stats {
		fmt.Println(s.Queue, s.Available, s.Lag < time.Minute)
	}
	// Output:
	// webhook_outbox 2 true
	// webhook_endpoints 0 true
	// webhook_inbox 0 true
}
