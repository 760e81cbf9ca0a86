package standardwebhooks_test

import (
	"crypto/ed25519"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/internal/authkit/authkittest"
	"github.com/signedhooks/webhook/standardwebhooks"
)

const (
	testSecret  = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	testPrivate = "whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg=="
	testPublic  = "whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4="
)

func TestNewVerifierErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		keys []string
		opts *standardwebhooks.VerifierOptions
		want error
	}{
		{"no keys", nil, nil, webhook.ErrNoSecret},
		{"bad base64", []string{"whsec_!!!"}, nil, webhook.ErrInvalidSecret},
		{"short secret", []string{"whsec_c2hvcnQ="}, nil, webhook.ErrSecretTooShort},
		{"empty key", []string{""}, nil, webhook.ErrSecretTooShort},
		{"private key", []string{testPrivate}, nil, standardwebhooks.ErrPrivateKeyForVerifier},
		{"public key of wrong size", []string{"whpk_AAAA"}, nil, webhook.ErrInvalidSecret},
		{"private key of wrong size", []string{"whsk_AAAA"}, nil, webhook.ErrInvalidSecret},
		{"private key with mismatched public half", []string{testPrivate[:len(testPrivate)-8] + "AAAAAA=="}, nil, webhook.ErrInvalidSecret},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := standardwebhooks.NewVerifier(tc.keys, tc.opts)
			require.ErrorIs(t, err, tc.want)
		})
	}
	_, err := standardwebhooks.NewVerifier([]string{testSecret}, &standardwebhooks.VerifierOptions{Tolerance: -time.Second})
	require.Error(t, err)
}

func TestNewSignerErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		keys []string
		want error
	}{
		{"no keys", nil, webhook.ErrNoSecret},
		{"public key", []string{testPublic}, webhook.ErrInvalidSecret},
		{"short secret", []string{"whsec_c2hvcnQ="}, webhook.ErrSecretTooShort},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := standardwebhooks.NewSigner(tc.keys, nil)
			require.ErrorIs(t, err, tc.want)
		})
	}
}

func TestNoKeyMaterialInOutput(t *testing.T) {
	t.Parallel()
	v, err := standardwebhooks.NewVerifier([]string{testSecret, testPublic}, nil)
	require.NoError(t, err)
	s, err := standardwebhooks.NewSigner([]string{testSecret, testPrivate}, nil)
	require.NoError(t, err)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, x := range []any{v, s} {
			out := fmt.Sprintf(verb, x)
			for _, k := range []string{testSecret, testPrivate, testPublic} {
				assert.NotContains(t, out, k[6:14], verb)
			}
		}
	}
	_, err = standardwebhooks.NewVerifier([]string{testPrivate}, nil)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), testPrivate[5:15])
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	pub, priv, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	now := time.Unix(1700000000, 0)
	clock := func() time.Time { return now }
	tests := []struct {
		name       string
		signKeys   []string
		verifyKeys []string
		opts       *standardwebhooks.SignerOptions
		want       error
	}{
		{"hmac", []string{testSecret}, []string{testSecret}, nil, nil},
		{"ed25519", []string{standardwebhooks.FormatPrivateKey(priv)}, []string{standardwebhooks.FormatPublicKey(pub)}, nil, nil},
		{"ed25519 seed only", []string{"whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbc="}, []string{testPublic}, nil, nil},
		{"svix headers", []string{testSecret}, []string{testSecret}, &standardwebhooks.SignerOptions{SvixHeaders: true}, nil},
		{"rotation: signer sends both, verifier knows new", []string{testSecret, testPrivate}, []string{testPublic}, nil, nil},
		{"rotation: verifier knows both", []string{testPrivate}, []string{testSecret, testPublic}, nil, nil},
		{"unknown key", []string{testPrivate}, []string{standardwebhooks.FormatPublicKey(pub)}, nil, webhook.ErrNoMatchingSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := standardwebhooks.NewSigner(tc.signKeys, tc.opts)
			require.NoError(t, err)
			v, err := standardwebhooks.NewVerifier(tc.verifyKeys, &standardwebhooks.VerifierOptions{Now: clock})
			require.NoError(t, err)
			body := []byte(`{"type":"invoice.paid"}`)
			h := http.Header{}
			require.NoError(t, s.SignHeaders(h, "msg_1", now, body))
			assert.Equal(t, "application/json", h.Get("Content-Type"))
			assert.Len(t, strings.Fields(h.Get(sigHeader(tc.opts))), len(tc.signKeys))
			require.ErrorIs(t, v.Verify(h, body), tc.want)
		})
	}
}

func sigHeader(o *standardwebhooks.SignerOptions) string {
	if o != nil && o.SvixHeaders {
		return standardwebhooks.SvixSignatureHeader
	}
	return standardwebhooks.SignatureHeader
}

func TestSignInvalidID(t *testing.T) {
	t.Parallel()
	s, err := standardwebhooks.NewSigner([]string{testSecret}, nil)
	require.NoError(t, err)
	for _, id := range []string{"", strings.Repeat("m", standardwebhooks.MaxIDLen+1)} {
		_, err := s.Sign(id, time.Now(), nil)
		require.ErrorIs(t, err, standardwebhooks.ErrInvalidID)
		require.ErrorIs(t, s.SignHeaders(http.Header{}, id, time.Now(), nil), standardwebhooks.ErrInvalidID)
	}
}

func TestVerifyAllocations(t *testing.T) {
	// Not parallel: AllocsPerRun counts the allocations of the whole process.
	if authkittest.RaceEnabled {
		t.Skip("sync.Pool drops items under the race detector; run without -race to count allocations")
	}
	now := time.Unix(1700000000, 0)
	body := []byte(strings.Repeat("x", 4096))
	for _, k := range []struct{ sign, verify string }{{testSecret, testSecret}, {testPrivate, testPublic}} {
		s, err := standardwebhooks.NewSigner([]string{k.sign}, nil)
		require.NoError(t, err)
		v, err := standardwebhooks.NewVerifier([]string{k.verify}, &standardwebhooks.VerifierOptions{Now: func() time.Time { return now }})
		require.NoError(t, err)
		h := http.Header{}
		require.NoError(t, s.SignHeaders(h, "msg_1", now, body))
		allocs := testing.AllocsPerRun(100, func() {
			if err := v.Verify(h, body); err != nil {
				t.Fatal(err)
			}
		})
		assert.Zero(t, allocs, k.verify[:5])
	}
}
