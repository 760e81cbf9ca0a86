package webhook_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/internal/authkit"
)

// TestSharedRulesAreReexported checks that the errors and limits users
// match in package webhook are the very values the scheme packages return,
// defined once in internal/authkit.
func TestSharedRulesAreReexported(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		root, authkit error
	}{
		{"ErrMissingSignature", webhook.ErrMissingSignature, authkit.ErrMissingSignature},
		{"ErrInvalidHeader", webhook.ErrInvalidHeader, authkit.ErrInvalidHeader},
		{"ErrNoMatchingSignature", webhook.ErrNoMatchingSignature, authkit.ErrNoMatchingSignature},
		{"ErrTimestampTooOld", webhook.ErrTimestampTooOld, authkit.ErrTimestampTooOld},
		{"ErrTimestampTooNew", webhook.ErrTimestampTooNew, authkit.ErrTimestampTooNew},
		{"ErrSecretTooShort", webhook.ErrSecretTooShort, authkit.ErrSecretTooShort},
		{"ErrInvalidSecret", webhook.ErrInvalidSecret, authkit.ErrInvalidSecret},
		{"ErrNoSecret", webhook.ErrNoSecret, authkit.ErrNoSecret},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.True(t, tc.root == tc.authkit, "webhook.%s is not authkit.%s", tc.name, tc.name)
		})
	}
	assert.Equal(t, authkit.MinSecretLen, webhook.MinSecretLen)
	assert.Equal(t, authkit.DefaultTolerance, webhook.DefaultTolerance)
}
