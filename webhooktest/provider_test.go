package webhooktest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/webhooktest"
)

// answer is a status and the JSON body's status or error value.
type answer struct {
	status int
	value  string
}

func value(t *testing.T, body []byte) string {
	t.Helper()
	var v struct{ Status, Error string }
	require.NoError(t, json.Unmarshal(body, &v), "body %q", body)
	return v.Status + v.Error
}

// TestDeliverMiddleware sends the hard cases to webhook.Middleware and
// webhook.Mux with default options, for every scheme: each is answered as
// the middleware documents, and the handler runs once per message.
func TestDeliverMiddleware(t *testing.T) {
	t.Parallel()
	for _, sc := range schemes(t) {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			c := newConsumer(t, sc.auth, nil)
			rep := webhooktest.Provider{Signer: sc.signer}.Deliver(c, paid())
			require.NoError(t, rep.Check(c.Ran()))
			assert.Len(t, rep.Processed(), 2)
			assert.ElementsMatch(t, rep.Processed(), c.Ran())

			want := map[string]answer{
				webhooktest.CaseDeliver:   {200, "ok"},
				webhooktest.CaseDuplicate: {409, "replayed"},
				webhooktest.CaseRetry:     {200, "already_processed"},
				webhooktest.CaseStale:     {401, "unauthorized"},
				webhooktest.CaseFuture:    {401, "unauthorized"},
				webhooktest.CaseTampered:  {401, "unauthorized"},
				webhooktest.CaseNewID:     {409, "replayed"},
				webhooktest.CaseEqualBody: {200, "ok"},
			}
			if !sc.timed {
				// GitHub: the retry's signature is the first one's.
				want[webhooktest.CaseRetry] = answer{409, "replayed"}
				delete(want, webhooktest.CaseStale)
				delete(want, webhooktest.CaseFuture)
			}
			if sc.idSig {
				// Standard Webhooks signs the id: a new one breaks the signature.
				want[webhooktest.CaseNewID] = answer{401, "unauthorized"}
			}
			if !sc.idHdr {
				delete(want, webhooktest.CaseNewID)
			}
			require.Len(t, rep.Cases, 8)
			for _, cs := range rep.Cases {
				w, ok := want[cs.Name]
				if !ok {
					assert.NotEmpty(t, cs.Skipped, cs.Name)
					assert.Zero(t, cs.Status, cs.Name)
					continue
				}
				require.Empty(t, cs.Skipped, cs.Name)
				require.NoError(t, cs.Err, cs.Name)
				assert.Equal(t, w, answer{cs.Status, value(t, cs.Response)}, cs.Name)
				assert.NotEmpty(t, cs.MessageID, cs.Name)
			}
		})
	}
}

// TestDeliverURL runs the cases over the network and gets the answers
// Deliver gets in-process.
func TestDeliverURL(t *testing.T) {
	t.Parallel()
	sc := schemes(t)[0]
	c := newConsumer(t, sc.auth, nil)
	srv := httptest.NewServer(c)
	defer srv.Close()

	rep := webhooktest.Provider{Signer: sc.signer}.DeliverURL(context.Background(), srv.URL+"/hooks", paid())
	require.NoError(t, rep.Check(c.Ran()))
	assert.Equal(t, 409, rep.Case(webhooktest.CaseNewID).Status)

	srv.Close()
	rep = webhooktest.Provider{Signer: sc.signer}.DeliverURL(context.Background(), srv.URL, paid())
	require.Error(t, rep.Err(), "a closed server fails every case")
	assert.Error(t, rep.Case(webhooktest.CaseDeliver).Err)
}

// TestDeliverCatchesBrokenConsumers shows that the provider's report
// catches consumers that get one hard case wrong.
func TestDeliverCatchesBrokenConsumers(t *testing.T) {
	t.Parallel()
	key, err := webhook.ParseSecret(nativeSecret)
	require.NoError(t, err)
	strict, err := webhook.NewVerifier(key, nil)
	require.NoError(t, err)
	lax, err := webhook.NewVerifier(key, &webhook.VerifierOptions{InsecureSkipTimestampCheck: true})
	require.NoError(t, err)

	// verifying verifies, then calls run with the id header; seen, when
	// not nil, deduplicates by that (unsigned) id without a replay guard.
	verifying := func(run func(string), seen map[string]bool) http.Handler {
		var mu sync.Mutex
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := strict.VerifyRequest(r); err != nil {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			id := r.Header.Get(webhook.IDHeader)
			mu.Lock()
			dup := seen != nil && seen[id]
			if seen != nil {
				seen[id] = true
			}
			mu.Unlock()
			if !dup {
				run(id)
			}
			_, _ = io.WriteString(w, `{"status":"ok"}`)
		})
	}

	tests := []struct {
		name string
		// consumer returns the handler and the ids it ran for.
		consumer func() (http.Handler, func() []string)
		// statusErr: Report.Err alone catches it (a wrong status);
		// otherwise only Check, which counts the runs, does.
		statusErr bool
		wrong     []string // cases answered with a wrong status
	}{
		{
			name: "verifies but does not deduplicate",
			consumer: func() (http.Handler, func() []string) {
				c := &consumer{}
				return verifying(c.record, nil), c.Ran
			},
		},
		{
			name: "deduplicates by the id header without a replay guard",
			consumer: func() (http.Handler, func() []string) {
				c := &consumer{}
				return verifying(c.record, map[string]bool{}), c.Ran
			},
		},
		{
			name: "does not check timestamps",
			consumer: func() (http.Handler, func() []string) {
				c := newConsumer(t, lax, nil)
				return c, c.Ran
			},
			statusErr: true,
			wrong:     []string{webhooktest.CaseStale, webhooktest.CaseFuture},
		},
		{
			name: "does not verify",
			consumer: func() (http.Handler, func() []string) {
				c := &consumer{}
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					c.record(r.Header.Get(webhook.IDHeader))
				}), c.Ran
			},
			statusErr: true,
			wrong:     []string{webhooktest.CaseStale, webhooktest.CaseFuture, webhooktest.CaseTampered},
		},
		{
			name: "deduplicates by type and data",
			consumer: func() (http.Handler, func() []string) {
				// Keyed on the content instead of the id, it takes the
				// distinct equal-body message for a duplicate.
				c := &consumer{}
				var mu sync.Mutex
				seen := map[string]bool{}
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					body, err := strict.VerifyRequest(r)
					if err != nil {
						w.WriteHeader(http.StatusUnauthorized)
						return
					}
					var env struct {
						Event string          `json:"event"`
						Data  json.RawMessage `json:"data"`
					}
					if err := json.Unmarshal(body, &env); err != nil {
						w.WriteHeader(http.StatusBadRequest)
						return
					}
					mu.Lock()
					dup := seen[env.Event+string(env.Data)]
					seen[env.Event+string(env.Data)] = true
					mu.Unlock()
					if !dup {
						c.record(r.Header.Get(webhook.IDHeader))
					}
				}), c.Ran
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, ran := tc.consumer()
			rep := webhooktest.Provider{Signer: webhooktest.Native(nativeSecret)}.Deliver(h, paid())
			require.Error(t, rep.Check(ran()), "the broken consumer passes")
			if !tc.statusErr {
				require.NoError(t, rep.Err(), "statuses alone cannot tell")
				return
			}
			require.Error(t, rep.Err())
			for _, name := range tc.wrong {
				c := rep.Case(name)
				assert.Error(t, errOf(c), name)
			}
		})
	}
}

// errOf reports c's status problem through a one-case report.
func errOf(c webhooktest.Case) error {
	return (&webhooktest.Report{Cases: []webhooktest.Case{c}}).Err()
}

// TestCheck covers the run counts Check compares.
func TestCheck(t *testing.T) {
	t.Parallel()
	rep := &webhooktest.Report{Cases: []webhooktest.Case{
		{Name: webhooktest.CaseDeliver, MessageID: "a", Want: webhooktest.WantProcessed, Status: 200},
		{Name: webhooktest.CaseStale, MessageID: "b", Want: webhooktest.WantRefused, Status: 401},
		{Name: webhooktest.CaseEqualBody, MessageID: "c", Want: webhooktest.WantProcessed, Status: 200},
		{Name: webhooktest.CaseNewID, Want: webhooktest.WantNotRun, Skipped: "no id header"},
	}}
	tests := []struct {
		name string
		ran  []string
		ok   bool
	}{
		{"once each", []string{"c", "a"}, true},
		{"twice", []string{"a", "c", "a"}, false},
		{"missing", []string{"a"}, false},
		{"refused message ran", []string{"a", "b", "c"}, false},
		{"nothing", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := rep.Check(tc.ran)
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
		})
	}
	assert.Equal(t, []string{"a", "c"}, rep.Processed())
}

// TestProviderClock signs the cases at the provider's clock and skew, so
// a consumer with a fixed clock can be tested.
func TestProviderClock(t *testing.T) {
	t.Parallel()
	at := time.Unix(1700000000, 0)
	key, err := webhook.ParseSecret(nativeSecret)
	require.NoError(t, err)
	v, err := webhook.NewVerifier(key, &webhook.VerifierOptions{Now: func() time.Time { return at }, Tolerance: time.Hour})
	require.NoError(t, err)
	c := newConsumer(t, v, nil)

	p := webhooktest.Provider{Signer: webhooktest.Native(nativeSecret), Now: func() time.Time { return at }, Skew: 2 * time.Hour}
	rep := p.Deliver(c, paid())
	require.NoError(t, rep.Check(c.Ran()))

	// A skew inside the verifier's tolerance is accepted: the report says so.
	p.Skew = 30 * time.Minute
	c = newConsumer(t, v, nil)
	rep = p.Deliver(c, paid())
	require.Error(t, rep.Err())
	assert.Equal(t, 200, rep.Case(webhooktest.CaseStale).Status)
}

func TestWantString(t *testing.T) {
	t.Parallel()
	for w, s := range map[webhooktest.Want]string{
		webhooktest.WantProcessed: "processed", webhooktest.WantAcknowledged: "acknowledged",
		webhooktest.WantRefused: "refused", webhooktest.WantNotRun: "not run", 0: "Want(0)",
	} {
		assert.Equal(t, s, w.String())
	}
}

// TestDeliverRawPayload: a raw payload without an id of its own makes the
// equal-body message byte-identical to the first; the middleware refuses it
// as a replay, and the report says so (the hazard Message.Payload
// documents).
func TestDeliverRawPayload(t *testing.T) {
	t.Parallel()
	sc := schemes(t)[0]
	c := newConsumer(t, sc.auth, nil)
	at := time.Now()
	p := webhooktest.Provider{Signer: sc.signer, Now: func() time.Time { return at }}
	rep := p.Deliver(c, webhook.Message{Payload: []byte(`{"event":"payment.succeeded","data":{"id":"pi_1","amount":49.99}}`)})
	require.Error(t, rep.Err())
	eq := rep.Case(webhooktest.CaseEqualBody)
	assert.Equal(t, answer{409, "replayed"}, answer{eq.Status, value(t, eq.Response)})
	require.Error(t, rep.Check(c.Ran()))
}

// TestDeliverPath: the requests go to Path, for a handler behind a router.
func TestDeliverPath(t *testing.T) {
	t.Parallel()
	sc := schemes(t)[0]
	c := newConsumer(t, sc.auth, nil)
	routes := http.NewServeMux()
	routes.Handle("/webhooks/payments", c)
	rep := webhooktest.Provider{Signer: sc.signer, Path: "/webhooks/payments"}.Deliver(routes, paid())
	require.NoError(t, rep.Check(c.Ran()))

	rep = webhooktest.Provider{Signer: sc.signer}.Deliver(routes, paid())
	assert.Equal(t, http.StatusNotFound, rep.Case(webhooktest.CaseDeliver).Status)
	require.Error(t, rep.Err())
}
