package webhook_test

import (
	"encoding/base64"
	"testing"

	"github.com/signedhooks/webhook"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewSecretRoundTrip(t *testing.T) {
	t.Parallel()
	a, err := webhook.NewSecret()
	require.NoError(t, err)
	b, err := webhook.NewSecret()
	require.NoError(t, err)
	assert.Len(t, a, 32)
	assert.NotEqual(t, a, b)
	s := webhook.FormatSecret(a)
	assert.Regexp(t, `^whsec_[A-Za-z0-9+/]{43}=$`, s)
	back, err := webhook.ParseSecret(s)
	require.NoError(t, err)
	assert.Equal(t, a, back)
}

func TestParseSecret(t *testing.T) {
	t.Parallel()
	key16 := []byte("0123456789abcdef")
	tests := []struct {
		name    string
		in      string
		want    []byte
		wantErr error
	}{
		{name: "raw", in: "your-webhook-secret-key", want: []byte("your-webhook-secret-key")},
		{name: "raw trimmed", in: "  your-webhook-secret-key\n", want: []byte("your-webhook-secret-key")},
		{name: "whsec padded", in: "whsec_" + base64.StdEncoding.EncodeToString(key16), want: key16},
		{name: "whsec unpadded", in: "whsec_" + base64.RawStdEncoding.EncodeToString(key16), want: key16},
		{name: "raw too short", in: "k3y!x", wantErr: webhook.ErrSecretTooShort},
		{name: "empty", in: "", wantErr: webhook.ErrSecretTooShort},
		{name: "whsec too short", in: "whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789")), wantErr: webhook.ErrSecretTooShort},
		{name: "whsec bad base64", in: "whsec_!!!!not-base64!!!!", wantErr: webhook.ErrInvalidSecret},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := webhook.ParseSecret(tc.in)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				if tc.in != "" {
					assert.NotContains(t, err.Error(), tc.in)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestSecretFromEnv(t *testing.T) {
	// t.Setenv forbids t.Parallel.
	t.Setenv("WEBHOOK_TEST_SECRET_OK", "your-webhook-secret-key")
	got, err := webhook.SecretFromEnv("WEBHOOK_TEST_SECRET_OK")
	require.NoError(t, err)
	assert.Equal(t, []byte("your-webhook-secret-key"), got)

	_, err = webhook.SecretFromEnv("WEBHOOK_TEST_SECRET_UNSET_X")
	require.ErrorIs(t, err, webhook.ErrSecretNotSet)
	assert.Contains(t, err.Error(), "WEBHOOK_TEST_SECRET_UNSET_X")

	t.Setenv("WEBHOOK_TEST_SECRET_EMPTY", "  ")
	_, err = webhook.SecretFromEnv("WEBHOOK_TEST_SECRET_EMPTY")
	require.ErrorIs(t, err, webhook.ErrSecretNotSet)

	t.Setenv("WEBHOOK_TEST_SECRET_SHORT", "tiny-secret")
	_, err = webhook.SecretFromEnv("WEBHOOK_TEST_SECRET_SHORT")
	require.ErrorIs(t, err, webhook.ErrSecretTooShort)
	assert.NotContains(t, err.Error(), "tiny-secret", "the value must never appear in an error")
}
