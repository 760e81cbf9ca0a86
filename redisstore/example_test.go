package redisstore_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/redisstore"
)

// redisURL names your Redis; the tests point it at theirs.
var redisURL = "redis://localhost:6379/0"

// Two replicas of a consumer share one Redis. The sender's first attempt
// reaches one replica and its retry the other: the handler runs once, and
// the retry is acknowledged without running it.
func Example_twoReplicas() {
	secret := []byte("example-secret-0123456789abcdef")
	verifier, err := webhook.NewVerifier(secret, nil)
	if err != nil {
		panic(err)
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, _ := webhook.EventFromContext(r.Context())
		fmt.Println("handler: processing", ev.Type)
		fmt.Fprintln(w, "thanks")
	})

	// Each replica has its own client and store; the prefix is shared.
	newReplica := func() (http.Handler, *redis.Client) {
		opts, err := redis.ParseURL(redisURL)
		if err != nil {
			panic(err)
		}
		opts.ContextTimeoutEnabled = true // end a command at its deadline
		client := redis.NewClient(opts)
		store := redisstore.New(client, &redisstore.Options{Prefix: "orders:", Timeout: time.Second})
		mw := webhook.Middleware(verifier, &webhook.MiddlewareOptions{Store: store})
		return mw(handler), client
	}
	replicaA, clientA := newReplica()
	defer clientA.Close()
	replicaB, clientB := newReplica()
	defer clientB.Close()

	// The sender: the same message id on every attempt, signed afresh.
	signer, err := webhook.NewSigner(secret, nil)
	if err != nil {
		panic(err)
	}
	id := webhook.NewMessageID()
	body := []byte(`{"event":"order.paid","data":{"order":"ord_42"}}`)
	deliver := func(replica http.Handler, signedAt time.Time) {
		r := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
		if err := signer.SignHeaders(r.Header, id, signedAt, body); err != nil {
			panic(err)
		}
		w := httptest.NewRecorder()
		replica.ServeHTTP(w, r)
		fmt.Println(w.Code, strings.TrimSpace(w.Body.String()))
	}
	now := time.Now()
	deliver(replicaA, now)                  // first attempt
	deliver(replicaB, now.Add(time.Second)) // retry (say the 200 was lost)

	// Output:
	// handler: processing order.paid
	// 200 thanks
	// 200 {"status":"already_processed"}
}
