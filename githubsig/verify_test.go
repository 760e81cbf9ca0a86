package githubsig_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/githubsig"
	"github.com/signedhooks/webhook/internal/authkit/authkittest"
)

const testSecret = "It's a Secret to Everybody"

func TestNewVerifierErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		secrets []string
		opts    *githubsig.VerifierOptions
		want    error
	}{
		{"no secrets", nil, nil, webhook.ErrNoSecret},
		{"short secret", []string{testSecret, "hunter2"}, nil, webhook.ErrSecretTooShort},
		{"no secrets, short allowed", nil, &githubsig.VerifierOptions{AllowShortSecret: true}, webhook.ErrNoSecret},
		{"empty secret, short allowed", []string{"hunter2", ""}, &githubsig.VerifierOptions{AllowShortSecret: true}, webhook.ErrSecretTooShort},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := githubsig.NewVerifier(tc.secrets, tc.opts)
			require.ErrorIs(t, err, tc.want)
			assert.NotContains(t, err.Error(), "hunter2")
		})
	}
	_, err := githubsig.NewVerifier([]string{testSecret}, &githubsig.VerifierOptions{ReplayWindow: -time.Second})
	require.Error(t, err)
}

func TestShortSecret(t *testing.T) {
	t.Parallel()
	const short = "hunter2" // GitHub accepts it; 7 bytes
	body := []byte(`{"zen":"Design for failure."}`)
	header := githubsig.Sign(short, body)

	t.Run("refused by default, naming the option", func(t *testing.T) {
		t.Parallel()
		_, err := githubsig.NewVerifier([]string{short}, nil)
		require.ErrorIs(t, err, webhook.ErrSecretTooShort)
		// The message is the user's only pointer to the way out.
		assert.Contains(t, err.Error(), "VerifierOptions.AllowShortSecret")
		assert.NotContains(t, err.Error(), short)
	})

	t.Run("accepted with AllowShortSecret", func(t *testing.T) {
		t.Parallel()
		opts := &githubsig.VerifierOptions{AllowShortSecret: true}
		v, err := githubsig.NewVerifier([]string{short, testSecret}, opts)
		require.NoError(t, err)
		opts.AllowShortSecret = false // copied at construction
		tests := []struct {
			name   string
			header string
			body   []byte
			want   error
		}{
			{"short secret", header, body, nil},
			{"long secret beside it", githubsig.Sign(testSecret, body), body, nil},
			{"other body", header, []byte(`{}`), webhook.ErrNoMatchingSignature},
			{"other short secret", githubsig.Sign("hunter3", body), body, webhook.ErrNoMatchingSignature},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				err := v.Verify(tc.header, tc.body)
				if tc.want == nil {
					require.NoError(t, err)
					return
				}
				require.ErrorIs(t, err, tc.want)
			})
		}
		assert.NotContains(t, fmt.Sprintf("%#v", v), short)
	})
}

func TestNoSecretInOutput(t *testing.T) {
	t.Parallel()
	v, err := githubsig.NewVerifier([]string{testSecret}, nil)
	require.NoError(t, err)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.NotContains(t, fmt.Sprintf(verb, v), "Secret to", verb)
	}
}

func TestVerifyAllocations(t *testing.T) {
	// Not parallel: AllocsPerRun counts the allocations of the whole process.
	if authkittest.RaceEnabled {
		t.Skip("sync.Pool drops items under the race detector; run without -race to count allocations")
	}
	body := []byte(strings.Repeat("x", 4096))
	v, err := githubsig.NewVerifier([]string{"an older secret of some length", testSecret}, nil)
	require.NoError(t, err)
	header := githubsig.Sign(testSecret, body)
	allocs := testing.AllocsPerRun(100, func() {
		if err := v.Verify(header, body); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}
