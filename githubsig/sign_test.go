package githubsig_test

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
	"github.com/signedhooks/webhook/githubsig"
	"github.com/signedhooks/webhook/internal/authkit/authkittest"
)

var _ webhook.HeaderSigner = (*githubsig.Signer)(nil)

func TestNewSignerErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		secret  string
		opts    *githubsig.SignerOptions
		wantErr error
	}{
		{"empty", "", nil, webhook.ErrNoSecret},
		{"empty, short allowed", "", &githubsig.SignerOptions{AllowShortSecret: true}, webhook.ErrNoSecret},
		{"short", "hunter2", nil, webhook.ErrSecretTooShort},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := githubsig.NewSigner(tc.secret, tc.opts)
			require.ErrorIs(t, err, tc.wantErr)
			assert.Nil(t, s)
		})
	}
	_, err := githubsig.NewSigner("hunter2", nil)
	assert.Contains(t, err.Error(), "SignerOptions.AllowShortSecret", "the message names the way out")
	assert.NotContains(t, err.Error(), "hunter2")
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
			s, err := githubsig.NewSigner(tc.Key, &githubsig.SignerOptions{AllowShortSecret: len(tc.Key) < webhook.MinSecretLen})
			require.NoError(t, err)
			body := []byte(tc.Body)
			assert.Equal(t, tc.Want, s.Sign(body))
			assert.Equal(t, "X-Hub-Signature-256: "+tc.Want, string(s.AppendSign([]byte("X-Hub-Signature-256: "), body)))
			assert.Equal(t, tc.Want, githubsig.Sign(tc.Key, body))
		})
	}
}

func TestSignerVerifies(t *testing.T) {
	t.Parallel()
	const other = "another secret of some length"
	body := []byte(`{"zen":"Design for failure."}`)
	tests := []struct {
		name    string
		signer  string
		opts    *githubsig.SignerOptions
		verify  []string
		vopts   *githubsig.VerifierOptions
		wantErr error
	}{
		{"same secret", testSecret, nil, []string{testSecret}, nil, nil},
		{"rotation: the receiver knows both", other, nil, []string{testSecret, other}, nil, nil},
		{"other secret", other, nil, []string{testSecret}, nil, webhook.ErrNoMatchingSignature},
		{"short secret on both sides", "hunter2", &githubsig.SignerOptions{AllowShortSecret: true},
			[]string{"hunter2"}, &githubsig.VerifierOptions{AllowShortSecret: true}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := githubsig.NewSigner(tc.signer, tc.opts)
			require.NoError(t, err)
			v, err := githubsig.NewVerifier(tc.verify, tc.vopts)
			require.NoError(t, err)
			err = v.Verify(s.Sign(body), body)
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
	s, err := githubsig.NewSigner(testSecret, nil)
	require.NoError(t, err)
	const id = "72d3162e-cc78-11e3-81ab-4c9367dc0958"
	envelope := []byte(`{"id":"` + id + `","event":"push","data":{"ref":"refs/heads/main"}}`)
	raw := []byte(`{"zen":"Design for failure."}`)
	tests := []struct {
		name string
		h    http.Header
		body []byte
		want http.Header
	}{
		{"envelope", http.Header{}, envelope, http.Header{
			"X-Hub-Signature-256": {githubsig.Sign(testSecret, envelope)},
			"X-Github-Delivery":   {id},
			"X-Github-Event":      {"push"},
			"Content-Type":        {"application/json"},
		}},
		{"raw payload: no event", http.Header{}, raw, http.Header{
			"X-Hub-Signature-256": {githubsig.Sign(testSecret, raw)},
			"X-Github-Delivery":   {id},
			"Content-Type":        {"application/json"},
		}},
		{"event and content type set already", http.Header{"X-Github-Event": {"ping"}, "Content-Type": {"application/x-www-form-urlencoded"}}, envelope, http.Header{
			"X-Hub-Signature-256": {githubsig.Sign(testSecret, envelope)},
			"X-Github-Delivery":   {id},
			"X-Github-Event":      {"ping"},
			"Content-Type":        {"application/x-www-form-urlencoded"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.NoError(t, s.SignHeaders(tc.h, id, time.Now(), tc.body))
			assert.Equal(t, tc.want, tc.h)

			v, err := githubsig.NewVerifier([]string{testSecret}, nil)
			require.NoError(t, err)
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			r.Header = tc.h
			a, err := v.Authenticate(r, tc.body)
			require.NoError(t, err)
			assert.Equal(t, id, a.ID)
			assert.Equal(t, tc.want.Get(githubsig.EventHeader), a.Type)
		})
	}

	err = s.SignHeaders(http.Header{}, strings.Repeat("x", githubsig.MaxDeliveryLen+1), time.Now(), raw)
	require.ErrorIs(t, err, webhook.ErrInvalidMessage)
}

func TestSignerNoSecretInOutput(t *testing.T) {
	t.Parallel()
	s, err := githubsig.NewSigner(testSecret, nil)
	require.NoError(t, err)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.NotContains(t, fmt.Sprintf(verb, s), "Secret to", verb)
	}
}

func TestSignAllocations(t *testing.T) {
	// Not parallel: AllocsPerRun counts the allocations of the whole process.
	if authkittest.RaceEnabled {
		t.Skip("sync.Pool drops items under the race detector; run without -race to count allocations")
	}
	body := []byte(strings.Repeat("x", 256))
	s, err := githubsig.NewSigner(testSecret, nil)
	require.NoError(t, err)
	dst := make([]byte, 0, 128)
	allocs := testing.AllocsPerRun(100, func() {
		dst = s.AppendSign(dst[:0], body)
	})
	assert.Zero(t, allocs, "AppendSign")
	allocs = testing.AllocsPerRun(100, func() { _ = s.Sign(body) })
	assert.Equal(t, 1.0, allocs, "Sign: the string only")
}

// TestSenderToMiddleware delivers messages with a webhook.Sender signing in
// GitHub's format to webhook.Middleware with a githubsig.Verifier: the
// handler sees the message's id (X-GitHub-Delivery), its type
// (X-GitHub-Event, from the envelope) and its data.
func TestSenderToMiddleware(t *testing.T) {
	t.Parallel()
	signer, err := githubsig.NewSigner(testSecret, nil)
	require.NoError(t, err)
	verifier, err := githubsig.NewVerifier([]string{testSecret}, nil)
	require.NoError(t, err)

	type push struct {
		Ref string `json:"ref"`
	}
	var (
		mu  sync.Mutex
		got []string
	)
	events := webhook.NewMux(nil)
	events.HandleFunc("push", func(ctx context.Context, ev webhook.Event) error {
		data, err := webhook.DecodeData[push](ev)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		got = append(got, ev.ID+" "+ev.Type+" "+data.Ref)
		return nil
	})
	srv := httptest.NewServer(webhook.Middleware(verifier, nil)(events))
	t.Cleanup(srv.Close)
	sender, err := webhook.NewSender(&webhook.SenderOptions{Signer: signer})
	require.NoError(t, err)
	t.Cleanup(sender.CloseIdleConnections)

	for _, id := range []string{"d-1", "d-2"} {
		// Equal data: the id in the signed body keeps their signatures
		// apart, so the replay guard passes both.
		rep, err := sender.Send(context.Background(), srv.URL, webhook.Message{ID: id, Type: "push", Data: push{"refs/heads/main"}})
		require.NoError(t, err)
		require.Len(t, rep.Attempts, 1)
		assert.Equal(t, http.StatusOK, rep.Attempts[0].StatusCode)
	}
	_, err = sender.Send(context.Background(), srv.URL, webhook.Message{ID: strings.Repeat("x", githubsig.MaxDeliveryLen+1), Type: "push", Data: push{}})
	require.ErrorIs(t, err, webhook.ErrInvalidMessage, "an id X-GitHub-Delivery cannot carry")

	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"d-1 push refs/heads/main", "d-2 push refs/heads/main"}, got)
}
