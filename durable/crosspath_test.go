package durable_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
	"github.com/signedhooks/webhook/standardwebhooks"
)

// order is the data of the matrix's event.
type order struct {
	ID     string  `json:"id"`
	Amount float64 `json:"amount"`
}

// crossScheme is one signature scheme, both sides of it, wired as the
// README shows.
type crossScheme struct {
	name      string
	typeField string // the envelope's type field
	sender    func(t testing.TB, secret string) webhook.HeaderSigner
	endpoints func(secrets []string) (webhook.HeaderSigner, error) // nil: Endpoints' default
	verifier  func(t testing.TB, secret string) webhook.Authenticator
}

var crossSchemes = []crossScheme{
	{
		name:      "native",
		typeField: "event",
		sender: func(t testing.TB, secret string) webhook.HeaderSigner {
			key, err := webhook.ParseSecret(secret)
			require.NoError(t, err)
			s, err := webhook.NewSigner(key, nil)
			require.NoError(t, err)
			return s
		},
		verifier: func(t testing.TB, secret string) webhook.Authenticator {
			key, err := webhook.ParseSecret(secret)
			require.NoError(t, err)
			v, err := webhook.NewVerifier(key, nil)
			require.NoError(t, err)
			return v
		},
	},
	{
		name:      "standardwebhooks",
		typeField: "type",
		sender: func(t testing.TB, secret string) webhook.HeaderSigner {
			s, err := standardwebhooks.NewSigner([]string{secret}, nil)
			require.NoError(t, err)
			return s
		},
		endpoints: func(secrets []string) (webhook.HeaderSigner, error) {
			return standardwebhooks.NewSigner(secrets, nil)
		},
		verifier: func(t testing.TB, secret string) webhook.Authenticator {
			v, err := standardwebhooks.NewVerifier([]string{secret}, nil)
			require.NoError(t, err)
			return v
		},
	},
}

// Every provider path, every consumer path and both schemes, wired with
// the defaults except the retry delay and the provider's clock: the
// consumer fails the first attempt with 500 and the retry comes within the
// same second. The handler for the type runs once, with the id, the type
// and the data, and the retry is not refused as a replay.
func TestCrossPath(t *testing.T) {
	t.Parallel()
	for _, provider := range []string{"send", "outbox", "publish"} {
		for _, consumer := range []string{"mux", "inbox"} {
			for _, scheme := range crossSchemes {
				t.Run(provider+"/"+consumer+"/"+scheme.name, func(t *testing.T) {
					t.Parallel()
					eachDB(t, func(t *testing.T, db *testDB) {
						if db.sqlite != nil {
							crossPath(t, durable.SQLite(db.sqlite), provider, consumer, scheme)
						} else {
							crossPath(t, durable.Postgres(db.pg), provider, consumer, scheme)
						}
					})
				})
			}
		}
	}
}

// retryDelay is the delay of every retry in the matrix: well inside one
// second, so that a retry signed like its failed attempt would be
// byte-identical to it.
const retryDelay = 10 * time.Millisecond

// frozenClock returns a clock stopped at the current time. A provider that
// reads it signs every attempt in the same second as the one before, as a
// quick retry on a loaded machine may or may not, so the matrix tests the
// worst case every time; receivers keep the real clock.
func frozenClock() func() time.Time {
	now := time.Now()
	return func() time.Time { return now }
}

func crossPath[TTx any](t *testing.T, b durable.Backend[TTx], provider, consumer string, scheme crossScheme) {
	ctx := context.Background()
	const (
		id        = "msg_cross"
		eventType = "order.created"
	)
	data := order{ID: "ord_1", Amount: 49.99}

	var handler atomic.Pointer[http.Handler]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*handler.Load()).ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	url := srv.URL + "/hooks"

	// The provider; deliver sends the message and waits until the
	// provider counts it delivered.
	secret := webhook.FormatSecret(testSecret)
	now := frozenClock()
	var deliver func(t *testing.T)
	switch provider {
	case "send":
		sender, err := webhook.NewSender(&webhook.SenderOptions{
			Signer: scheme.sender(t, secret),
			Retry:  webhook.Backoff{InitialDelay: retryDelay},
			Now:    now,
		})
		require.NoError(t, err)
		deliver = func(t *testing.T) {
			_, err := sender.Send(ctx, url, webhook.Message{ID: id, Type: eventType, Data: data})
			require.NoError(t, err)
		}
	case "outbox":
		// The same policy as Send's: one retry vocabulary.
		o := newOwnOutbox(t, b, &webhook.SenderOptions{
			Signer: scheme.sender(t, secret),
			Retry:  webhook.Backoff{InitialDelay: retryDelay},
			Now:    now,
		}, nil)
		require.NoError(t, o.Start(ctx))
		t.Cleanup(func() { stop(t, o) })
		deliver = func(t *testing.T) {
			_, err := o.Enqueue(ctx, url, durable.Message{ID: id, Type: eventType, Data: data})
			require.NoError(t, err)
			waitState(t, o.Lookup, id, durable.StateDone)
		}
	case "publish":
		require.NoError(t, endpoints.Migrate(ctx, b))
		rt := newRuntime(t, b, nil)
		e, err := endpoints.New(rt, &endpoints.Options{
			Retry:                        webhook.Backoff{InitialDelay: retryDelay},
			InsecureAllowPrivateNetworks: true, // the receiver is on loopback
			NewSigner:                    scheme.endpoints,
			Now:                          now,
		})
		require.NoError(t, err)
		_, err = e.CreateApplication(ctx, "acme", "Acme")
		require.NoError(t, err)
		ep, epSecret, err := e.CreateEndpoint(ctx, "acme", endpoints.Input{URL: url})
		require.NoError(t, err)
		secret = epSecret
		require.NoError(t, rt.Start(ctx))
		t.Cleanup(func() { stop(t, rt) })
		deliver = func(t *testing.T) {
			payload, err := json.Marshal(data)
			require.NoError(t, err)
			_, err = e.Publish(ctx, "acme", eventType, payload, id)
			require.NoError(t, err)
			waitState(t, func(ctx context.Context, id string) (durable.Item, error) {
				return e.Delivery(ctx, "acme", ep.ID, id)
			}, id, durable.StateDone)
		}
	default:
		t.Fatalf("unknown provider %q", provider)
	}

	// The consumer: the handler for the type behind the middleware,
	// directly (Mux) or through the inbox.
	type seen struct {
		ev   webhook.Event
		data order
		err  error
	}
	var runs atomic.Int32
	got := make(chan seen, 8)
	mux := webhook.NewMux(nil)
	mux.HandleFunc(eventType, func(_ context.Context, ev webhook.Event) error {
		runs.Add(1)
		d, err := webhook.DecodeData[order](ev)
		got <- seen{ev: ev, data: d, err: err}
		return nil
	})
	var next http.Handler = mux
	wantStatus := http.StatusOK
	if consumer == "inbox" {
		in := newOwnInbox(t, b, mux.Dispatch, nil)
		require.NoError(t, in.Start(ctx))
		t.Cleanup(func() { stop(t, in) })
		next, wantStatus = in, http.StatusAccepted
	}
	ex := &exchanges{}
	h := ex.record(webhook.Middleware(scheme.verifier(t, secret), nil)(failOnce(next)))
	handler.Store(&h)

	deliver(t)
	var s seen
	select {
	case s = <-got:
	case <-time.After(20 * time.Second):
		t.Fatal("the handler never ran")
	}
	require.NoError(t, s.err)
	assert.Equal(t, id, s.ev.ID)
	assert.Equal(t, eventType, s.ev.Type)
	assert.Equal(t, data, s.data)
	// The id and the type are in the signed body, not only in headers.
	assert.Equal(t, id, gjson.GetBytes(s.ev.Payload, "id").String())
	assert.Equal(t, eventType, gjson.GetBytes(s.ev.Payload, scheme.typeField).String())

	if consumer == "inbox" {
		// The provider is done once the inbox answered; the event is done
		// once its handler returned.
		require.Eventually(t, func() bool { return runs.Load() == 1 && len(ex.list()) == 2 }, 20*time.Second, 10*time.Millisecond)
	}
	all := ex.list()
	require.Len(t, all, 2, "the failed attempt and its retry, nothing more: %v", all)
	assert.Equal(t, http.StatusInternalServerError, all[0].status)
	assert.Equal(t, wantStatus, all[1].status, "the retry must not be refused as a replay")
	assert.NotEqual(t, all[0].signature, all[1].signature, "each attempt has a signature of its own")
	assert.Equal(t, int32(1), runs.Load(), "the handler runs exactly once")
}

// failOnce answers 500 to the first request that reaches it, behind the
// middleware: the middleware has seen and remembered that attempt's
// signature, so the retry must be signed differently to get through.
func failOnce(next http.Handler) http.Handler {
	var failed atomic.Bool
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failed.CompareAndSwap(false, true) {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// exchanges records the signature and the status of every request.
type exchanges struct {
	mu  sync.Mutex
	all []exchange
}

type exchange struct {
	signature string // the scheme's signature header
	status    int
}

func (e *exchanges) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		sig := r.Header.Get(webhook.SignatureHeader) + r.Header.Get("webhook-signature")
		next.ServeHTTP(sw, r)
		e.mu.Lock()
		e.all = append(e.all, exchange{signature: sig, status: sw.status})
		e.mu.Unlock()
	})
}

func (e *exchanges) list() []exchange {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]exchange(nil), e.all...)
}

// statusWriter remembers the status written through it.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(status int) {
	if !w.wrote {
		w.status, w.wrote = status, true
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}
