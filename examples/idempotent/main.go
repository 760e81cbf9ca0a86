// Command idempotent is the reference idempotent webhook consumer: every
// delivery to POST /webhook is verified, replays are refused, and each
// message is handled once however often the sender retries it. Handlers
// are routed by event type with webhook.Mux; outcomes are logged as JSON and
// counted, and GET /metrics shows the counts.
//
//	WEBHOOK_SECRET=... go run ./examples/idempotent
//
// ADDR sets the listen address (default 127.0.0.1:8080). One process keeps
// its idempotency state in memory; several replicas behind a load balancer
// need a shared store (the redisstore module) in MiddlewareOptions.Store.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/signedhooks/webhook"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	secret, err := webhook.SecretFromEnv("WEBHOOK_SECRET")
	if err != nil {
		fmt.Fprintln(os.Stderr, "idempotent:", err)
		fmt.Fprintln(os.Stderr, "set WEBHOOK_SECRET to the secret shared with the sender (at least 16 bytes, raw or whsec_<base64>)")
		os.Exit(2)
	}
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	app, err := newApp(secret, logger)
	if err != nil {
		logger.Error("starting", "error", err)
		os.Exit(1)
	}
	srv := &http.Server{
		Addr:              addr,
		Handler:           app.routes(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(shutdown) //nolint:errcheck
	}()
	logger.Info("listening", "url", "http://"+addr+"/webhook")
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		logger.Error("serving", "error", err)
		os.Exit(1)
	}
}

// app is the consumer: its handlers' state and its outcome counters.
type app struct {
	guard func(http.Handler) http.Handler
	mux   *webhook.Mux

	mu       sync.Mutex
	balances map[string]int64 // customer -> credited amount, the side effect to keep exactly-once
	users    map[string]string
	counts   map[string]int // outcome -> deliveries
}

func newApp(secret []byte, logger *slog.Logger) (*app, error) {
	verifier, err := webhook.NewVerifier(secret, nil)
	if err != nil {
		return nil, err
	}
	a := &app{
		balances: make(map[string]int64),
		users:    make(map[string]string),
		counts:   make(map[string]int),
	}
	a.guard = webhook.Middleware(verifier, &webhook.MiddlewareOptions{
		Logger:    logger,
		OnOutcome: a.count,
	})
	a.mux = webhook.NewMux(&webhook.MuxOptions{Logger: logger})
	a.mux.HandleFunc("payment.succeeded", a.paymentSucceeded)
	a.mux.HandleFunc("user.created", a.userCreated)
	return a, nil
}

func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /webhook", a.guard(a.mux))
	mux.HandleFunc("GET /metrics", a.metrics)
	return mux
}

type paymentSucceeded struct {
	Payment struct {
		ID       string `json:"id"`
		Customer string `json:"customer"`
		Amount   int64  `json:"amount"`
	} `json:"payment"`
}

// paymentSucceeded credits the customer. It is not idempotent by itself;
// the middleware makes sure it runs once per message.
func (a *app) paymentSucceeded(ctx context.Context, ev webhook.Event) error {
	p, err := webhook.DecodeData[paymentSucceeded](ev)
	if err != nil {
		return err
	}
	pay := p.Payment
	if pay.Customer == "" || pay.Amount <= 0 {
		return fmt.Errorf("payment %q: missing customer or amount", pay.ID)
	}
	a.mu.Lock()
	a.balances[pay.Customer] += pay.Amount
	a.mu.Unlock()
	return nil
}

type userCreated struct {
	User struct {
		ID    string `json:"id"`
		Email string `json:"email"`
	} `json:"user"`
}

func (a *app) userCreated(ctx context.Context, ev webhook.Event) error {
	u, err := webhook.DecodeData[userCreated](ev)
	if err != nil {
		return err
	}
	if u.User.ID == "" {
		return errors.New("user.created without a user id")
	}
	a.mu.Lock()
	a.users[u.User.ID] = u.User.Email
	a.mu.Unlock()
	return nil
}

// count is the middleware's outcome hook; a real service would increment a
// Prometheus counter or an OpenTelemetry instrument here.
func (a *app) count(_ context.Context, o webhook.Outcome) {
	a.mu.Lock()
	a.counts[o.Kind.String()]++
	a.mu.Unlock()
}

// metrics writes the outcome counters, one "webhook_deliveries{outcome=...}
// n" line each, in the Prometheus text format.
func (a *app) metrics(w http.ResponseWriter, _ *http.Request) {
	a.mu.Lock()
	kinds := make([]string, 0, len(a.counts))
	for k := range a.counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	for _, k := range kinds {
		fmt.Fprintf(w, "webhook_deliveries_total{outcome=%q} %d\n", k, a.counts[k])
	}
	a.mu.Unlock()
}

func (a *app) balance(customer string) int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.balances[customer]
}
