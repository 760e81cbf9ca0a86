package stripesig_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/internal/authkit/authkittest"
	"github.com/signedhooks/webhook/stripesig"
)

const otherSecret = "whsec_rotatedSecretForTheSignerTests"

var (
	_ webhook.HeaderSigner = (*stripesig.Signer)(nil)
	_ webhook.TypeFielder  = (*stripesig.Signer)(nil)
)

func TestNewSignerErrors(t *testing.T) {
	t.Parallel()
	nine := make([]string, stripesig.MaxSignatures+1)
	for i := range nine {
		nine[i] = testSecret
	}
	tests := []struct {
		name    string
		secrets []string
		wantErr error // nil: some error without a sentinel
	}{
		{"no secrets", nil, webhook.ErrNoSecret},
		{"short secret", []string{testSecret, "whsec_short"}, webhook.ErrSecretTooShort},
		{"more secrets than a header holds", nine, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := stripesig.NewSigner(tc.secrets, nil)
			require.Error(t, err)
			assert.Nil(t, s)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
			}
			assert.NotContains(t, err.Error(), "plAC3b")
		})
	}
	_, err := stripesig.NewSigner(nine[:stripesig.MaxSignatures], nil)
	require.NoError(t, err, "as many secrets as a header holds")
}

// TestSignerVectors: the Signer's header is the one of the known-answer
// vectors, as Sign's is.
func TestSignerVectors(t *testing.T) {
	t.Parallel()
	vectors := loadVectors(t).Sign
	require.NotEmpty(t, vectors)
	for _, tc := range vectors {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			s, err := stripesig.NewSigner(tc.Keys, nil)
			require.NoError(t, err)
			ts, body := time.Unix(tc.Timestamp, 0), []byte(tc.Body)
			assert.Equal(t, tc.Want, s.Sign(ts, body))
			assert.Equal(t, "Stripe-Signature: "+tc.Want, string(s.AppendSign([]byte("Stripe-Signature: "), ts, body)))
			assert.Equal(t, tc.Want, stripesig.Sign(tc.Keys, ts, body))
		})
	}
}

func TestSignerVerifies(t *testing.T) {
	t.Parallel()
	now := time.Unix(1700000000, 0)
	body := []byte(`{"id":"evt_1","type":"invoice.paid","data":{}}`)
	tests := []struct {
		name    string
		signer  []string
		verify  []string
		ts      time.Time
		wantErr error
	}{
		{"one secret", []string{testSecret}, []string{testSecret}, now, nil},
		{"rotation: the receiver knows only the old secret", []string{otherSecret, testSecret}, []string{testSecret}, now, nil},
		{"rotation: the receiver knows only the new secret", []string{otherSecret, testSecret}, []string{otherSecret}, now, nil},
		{"other secret", []string{otherSecret}, []string{testSecret}, now, webhook.ErrNoMatchingSignature},
		{"stale", []string{testSecret}, []string{testSecret}, now.Add(-time.Hour), webhook.ErrTimestampTooOld},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := stripesig.NewSigner(tc.signer, nil)
			require.NoError(t, err)
			v, err := stripesig.NewVerifier(tc.verify, &stripesig.VerifierOptions{Now: func() time.Time { return now }})
			require.NoError(t, err)
			err = v.Verify(s.Sign(tc.ts, body), body)
			if tc.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.wantErr)
		})
	}
}

func TestSignHeaders(t *testing.T) {
	t.Parallel()
	now := time.Unix(1700000000, 0)
	body := []byte(`{"id":"evt_1"}`)
	opts := &stripesig.SignerOptions{SignatureHeader: "x-acme-signature"}
	s, err := stripesig.NewSigner([]string{testSecret}, opts)
	require.NoError(t, err)
	opts.SignatureHeader = "X-Changed" // copied at construction

	h := http.Header{}
	require.NoError(t, s.SignHeaders(h, "evt_1", now, body))
	assert.Equal(t, http.Header{
		"X-Acme-Signature": {stripesig.Sign([]string{testSecret}, now, body)},
		"Content-Type":     {"application/json"},
	}, h)

	h = http.Header{"Content-Type": {"application/vnd.acme+json"}}
	require.NoError(t, s.SignHeaders(h, "evt_1", now, body))
	assert.Equal(t, "application/vnd.acme+json", h.Get("Content-Type"))

	v, err := stripesig.NewVerifier([]string{testSecret}, &stripesig.VerifierOptions{
		SignatureHeader: "X-Acme-Signature", Now: func() time.Time { return now },
	})
	require.NoError(t, err)
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Header = h
	a, err := v.Authenticate(r, body)
	require.NoError(t, err)
	assert.Equal(t, "evt_1", a.ID)
}

func TestSignerNoSecretInOutput(t *testing.T) {
	t.Parallel()
	s, err := stripesig.NewSigner([]string{testSecret, otherSecret}, nil)
	require.NoError(t, err)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, s)
		assert.NotContains(t, out, "plAC3b", verb)
		assert.NotContains(t, out, "rotatedSecret", verb)
	}
	assert.Equal(t, "stripesig.Signer{secrets: 2}", s.String())
}

func TestSignAllocations(t *testing.T) {
	// Not parallel: AllocsPerRun counts the allocations of the whole process.
	if authkittest.RaceEnabled {
		t.Skip("sync.Pool drops items under the race detector; run without -race to count allocations")
	}
	body := []byte(strings.Repeat("x", 256))
	now := time.Unix(1700000000, 0)
	s, err := stripesig.NewSigner([]string{testSecret, otherSecret}, nil)
	require.NoError(t, err)
	dst := make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(100, func() {
		dst = s.AppendSign(dst[:0], now, body)
	})
	assert.Zero(t, allocs, "AppendSign")
	allocs = testing.AllocsPerRun(100, func() { _ = s.Sign(now, body) })
	assert.Equal(t, 1.0, allocs, "Sign: the string only")
}

// TestSenderToMiddleware delivers messages with a webhook.Sender signing in
// Stripe's format to webhook.Middleware with a stripesig.Verifier: the
// handler sees the message's id and type, read from the signed body, and
// its data.
func TestSenderToMiddleware(t *testing.T) {
	t.Parallel()
	signer, err := stripesig.NewSigner([]string{testSecret}, nil)
	require.NoError(t, err)
	verifier, err := stripesig.NewVerifier([]string{testSecret}, nil)
	require.NoError(t, err)

	type invoice struct {
		Invoice string `json:"invoice"`
	}
	var (
		mu  sync.Mutex
		got []string
	)
	events := webhook.NewMux(nil)
	events.HandleFunc("invoice.paid", func(ctx context.Context, ev webhook.Event) error {
		data, err := webhook.DecodeData[invoice](ev)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		got = append(got, ev.ID+" "+ev.Type+" "+data.Invoice)
		return nil
	})
	srv := httptest.NewServer(webhook.Middleware(verifier, nil)(events))
	t.Cleanup(srv.Close)
	var (
		clockMu sync.Mutex
		now     = time.Now()
	)
	clock := func() time.Time {
		clockMu.Lock()
		defer clockMu.Unlock()
		return now
	}
	sender, err := webhook.NewSender(&webhook.SenderOptions{Signer: signer, Now: clock})
	require.NoError(t, err)
	t.Cleanup(sender.CloseIdleConnections)

	for _, id := range []string{"evt_1", "evt_2"} {
		// Equal data, signed in the same second: the id in the signed body
		// keeps their signatures apart, so the replay guard passes both.
		rep, err := sender.Send(context.Background(), srv.URL, webhook.Message{ID: id, Type: "invoice.paid", Data: invoice{"in_1"}})
		require.NoError(t, err)
		require.Len(t, rep.Attempts, 1)
		assert.Equal(t, http.StatusOK, rep.Attempts[0].StatusCode)
	}
	// A second send of evt_1, a second later (in the same second it would
	// be its replay), is acknowledged, not processed again.
	clockMu.Lock()
	now = now.Add(time.Second)
	clockMu.Unlock()
	rep, err := sender.Send(context.Background(), srv.URL, webhook.Message{ID: "evt_1", Type: "invoice.paid", Data: invoice{"in_1"}})
	require.NoError(t, err)
	require.Len(t, rep.Attempts, 1)
	assert.JSONEq(t, `{"status":"already_processed"}`, string(rep.Attempts[0].Response))

	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"evt_1 invoice.paid in_1", "evt_2 invoice.paid in_1"}, got)
}
