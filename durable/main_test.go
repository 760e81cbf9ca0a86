package durable_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/goleak"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
)

// Environment of a worker subprocess started by the crash and load tests:
// the test binary re-executed with these set runs an outbox worker until
// killed (SIGKILL) or stopped (SIGTERM, graceful).
const (
	envWorker = "DURABLE_TEST_WORKER"  // worker name; set only in subprocesses
	envDBKind = "DURABLE_TEST_DB_KIND" // "sqlite" or "postgres"
	envDB     = "DURABLE_TEST_DB"      // SQLite path or PostgreSQL URL
	envSink   = "DURABLE_TEST_SINK"    // set: the inbox's handler forwards each event there
	// envEndpoints set: the worker's Runtime also runs Endpoints (the
	// database must have been migrated with MigrateEndpoints).
	envEndpoints = "DURABLE_TEST_ENDPOINTS"
	envDefaultID = "DURABLE_TEST_DEFAULT_ID" // set: the Runtime's default ID, not the worker's name
)

func TestMain(m *testing.M) {
	if name := os.Getenv(envWorker); name != "" {
		os.Exit(runWorker(name))
	}
	goleak.VerifyTestMain(m,
		// pgx's pool keeps a background health check until closed; modernc's
		// SQLite has none, River stops everything in Stop.
		goleak.IgnoreTopFunction("github.com/jackc/pgx/v5/pgxpool.(*Pool).backgroundHealthCheck"),
	)
}

// tagTransport marks each request with the worker that sent it.
type tagTransport struct {
	name string
	base http.RoundTripper
}

func (t tagTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Test-Worker", t.name)
	return t.base.RoundTrip(r)
}

// workerRuntimeOptions names the worker's Runtime after the worker, or
// leaves the default ID with envDefaultID set.
func workerRuntimeOptions(name string) *durable.RuntimeOptions {
	o := &durable.RuntimeOptions{
		ID:                name,
		FetchPollInterval: 20 * time.Millisecond,
		JobTimeout:        3 * time.Second,
		RescueAfter:       4 * time.Second,
	}
	if os.Getenv(envDefaultID) != "" {
		o.ID = ""
	}
	return o
}

func workerSender(name string) *webhook.SenderOptions {
	return &webhook.SenderOptions{
		Secret:         testSecret,
		AttemptTimeout: 2 * time.Second,
		Retry:          webhook.Backoff{InitialDelay: 10 * time.Millisecond, Multiplier: 1},
		Client:         &http.Client{Transport: tagTransport{name: name, base: &http.Transport{MaxIdleConnsPerHost: 100}}},
	}
}

func runWorker(name string) int {
	ctx := context.Background()
	var (
		o interface {
			Start(context.Context) error
			Stop(context.Context) error
		}
		err error
	)
	signer := workerSender(name)
	switch os.Getenv(envDBKind) {
	case "sqlite":
		db, err := durable.OpenSQLite(os.Getenv(envDB))
		if err != nil {
			return 2
		}
		defer db.Close()
		o, err = newWorkerService(durable.SQLite(db), signer, name)
		if err != nil {
			return 2
		}
	case "postgres":
		pool, err := pgxpool.New(ctx, os.Getenv(envDB))
		if err != nil {
			return 2
		}
		defer pool.Close()
		o, err = newWorkerService(durable.Postgres(pool), signer, name)
		if err != nil {
			return 2
		}
	default:
		return 2
	}
	go func() {
		// The parent holds our stdin open; EOF means it died.
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(5)
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	if err = o.Start(ctx); err != nil {
		return 3
	}
	<-sig
	stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := o.Stop(stopCtx); err != nil {
		return 4
	}
	return 0
}

type service interface {
	Start(context.Context) error
	Stop(context.Context) error
}

// newWorkerService returns the worker's Runtime, running an outbox and an
// inbox (and with envEndpoints set, endpoints), as one process of a
// provider and consumer does. With envSink set, the inbox's handler's
// business effect is forwarding the event, signed, to the sink (which
// deduplicates by id and counts); without it the handler does nothing.
func newWorkerService[TTx any](b durable.Backend[TTx], senderOpts *webhook.SenderOptions, name string) (service, error) {
	sender, err := webhook.NewSender(senderOpts)
	if err != nil {
		return nil, err
	}
	rt, err := durable.NewRuntime(b, workerRuntimeOptions(name))
	if err != nil {
		return nil, err
	}
	retry := senderOpts.Retry
	if _, err := durable.NewOutbox(rt, senderOpts, nil); err != nil {
		return nil, err
	}
	handle := func(context.Context, webhook.Event) error { return nil }
	if sink := os.Getenv(envSink); sink != "" {
		handle = func(ctx context.Context, ev webhook.Event) error {
			_, err := sender.Attempt(ctx, sink, webhook.Message{ID: ev.ID, Payload: ev.Payload}, webhook.AttemptOptions{Number: durable.AttemptFromContext(ctx)})
			return err
		}
	}
	if _, err := durable.NewInbox(rt, handle, &durable.InboxOptions{Retry: retry}); err != nil {
		return nil, err
	}
	if os.Getenv(envEndpoints) != "" {
		if _, err := endpoints.New(rt, &endpoints.Options{Retry: retry, InsecureAllowPrivateNetworks: true}); err != nil {
			return nil, err
		}
	}
	return rt, nil
}
