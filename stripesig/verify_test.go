package stripesig_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/internal/authkit/authkittest"
	"github.com/signedhooks/webhook/stripesig"
)

const testSecret = "whsec_plAC3bBEVyAf8kF1cLcJeEXyW8nyvNBs"

func TestNewVerifierErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		secrets []string
		opts    *stripesig.VerifierOptions
		want    error
	}{
		{"no secrets", nil, nil, webhook.ErrNoSecret},
		{"short secret", []string{testSecret, "whsec_x"}, nil, webhook.ErrSecretTooShort},
		{"empty secret", []string{""}, nil, webhook.ErrSecretTooShort},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := stripesig.NewVerifier(tc.secrets, tc.opts)
			require.ErrorIs(t, err, tc.want)
		})
	}
	_, err := stripesig.NewVerifier([]string{testSecret}, &stripesig.VerifierOptions{Tolerance: -time.Second})
	require.Error(t, err)
}

func TestOptions(t *testing.T) {
	t.Parallel()
	signed := time.Unix(1700000000, 0)
	body := []byte(`{"id":"evt_1","type":"charge.succeeded"}`)
	header := stripesig.Sign([]string{testSecret}, signed, body)
	tests := []struct {
		name string
		opts stripesig.VerifierOptions
		now  time.Time
		want error
	}{
		{"default tolerance", stripesig.VerifierOptions{}, signed.Add(5 * time.Minute), nil},
		{"default tolerance exceeded", stripesig.VerifierOptions{}, signed.Add(5*time.Minute + time.Second), webhook.ErrTimestampTooOld},
		{"longer tolerance", stripesig.VerifierOptions{Tolerance: time.Hour}, signed.Add(59 * time.Minute), nil},
		{"shorter tolerance, future", stripesig.VerifierOptions{Tolerance: time.Second}, signed.Add(-2 * time.Second), webhook.ErrTimestampTooNew},
		{"check off", stripesig.VerifierOptions{InsecureSkipTimestampCheck: true}, signed.Add(24 * 365 * time.Hour), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := tc.opts
			o.Now = func() time.Time { return tc.now }
			v, err := stripesig.NewVerifier([]string{testSecret}, &o)
			require.NoError(t, err)
			err = v.Verify(header, body)
			require.ErrorIs(t, err, tc.want)
			if tc.want == nil {
				require.NoError(t, err)
			}
		})
	}
}

func TestCustomHeader(t *testing.T) {
	t.Parallel()
	now := time.Unix(1700000000, 0)
	v, err := stripesig.NewVerifier([]string{testSecret}, &stripesig.VerifierOptions{
		SignatureHeader: "x-acme-signature", // any case
		Now:             func() time.Time { return now },
	})
	require.NoError(t, err)
	body := []byte(`{"id":"evt_1"}`)
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(body)))
	r.Header.Set("X-Acme-Signature", stripesig.Sign([]string{testSecret}, now, body))
	a, err := v.Authenticate(r, body)
	require.NoError(t, err)
	assert.Equal(t, "evt_1", a.ID)

	r.Header.Del("X-Acme-Signature")
	r.Header.Set(stripesig.SignatureHeader, stripesig.Sign([]string{testSecret}, now, body))
	_, err = v.Authenticate(r, body)
	require.ErrorIs(t, err, webhook.ErrMissingSignature)
}

func TestNoSecretInOutput(t *testing.T) {
	t.Parallel()
	v, err := stripesig.NewVerifier([]string{testSecret}, nil)
	require.NoError(t, err)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.NotContains(t, fmt.Sprintf(verb, v), "plAC3b", verb)
	}
	_, err = stripesig.NewVerifier([]string{"whsec_shorty"}, nil)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "shorty")
}

func TestVerifyAllocations(t *testing.T) {
	// Not parallel: AllocsPerRun counts the allocations of the whole process.
	if authkittest.RaceEnabled {
		t.Skip("sync.Pool drops items under the race detector; run without -race to count allocations")
	}
	now := time.Unix(1700000000, 0)
	body := []byte(strings.Repeat("x", 4096))
	v, err := stripesig.NewVerifier([]string{"whsec_other_secret_first", testSecret}, &stripesig.VerifierOptions{Now: func() time.Time { return now }})
	require.NoError(t, err)
	header := stripesig.Sign([]string{testSecret}, now, body)
	allocs := testing.AllocsPerRun(100, func() {
		if err := v.Verify(header, body); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}
