package webhook

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"strings"

	"github.com/signedhooks/webhook/internal/authkit"
)

// MinSecretLen is the shortest secret, in bytes, that this package accepts.
// The scheme packages apply the same rule.
const MinSecretLen = authkit.MinSecretLen

// secretPrefix marks the printable form of a secret produced by [FormatSecret].
const secretPrefix = "whsec_"

// NewSecret returns a new random 32-byte secret from crypto/rand.
// Print or store it with [FormatSecret].
func NewSecret() ([]byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("webhook: generating secret: %w", err)
	}
	return b, nil
}

// FormatSecret returns the printable "whsec_<base64>" form of secret, which
// [ParseSecret] reads back.
func FormatSecret(secret []byte) string {
	return secretPrefix + base64.StdEncoding.EncodeToString(secret)
}

// ParseSecret reads a secret as configured by a person: "whsec_<base64>" is
// decoded (standard base64, padding optional); anything else is taken as the
// raw key bytes, which is how the reference Python sender and consumer use
// their secret string. Surrounding white space is trimmed.
//
// It returns [ErrInvalidSecret] for bad base64 after "whsec_" and
// [ErrSecretTooShort] when the key has fewer than [MinSecretLen] bytes.
func ParseSecret(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	var key []byte
	if rest, ok := strings.CutPrefix(s, secretPrefix); ok {
		var err error
		key, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(rest, "="))
		if err != nil {
			return nil, ErrInvalidSecret
		}
	} else {
		key = []byte(s)
	}
	if err := authkit.CheckLen(-1, len(key)); err != nil {
		return nil, err
	}
	return key, nil
}

// SecretFromEnv reads the environment variable name and parses it with
// [ParseSecret]. It returns an error wrapping [ErrSecretNotSet] when the
// variable is unset or empty; the error names the variable, never its value.
func SecretFromEnv(name string) ([]byte, error) {
	v, ok := os.LookupEnv(name)
	if !ok || strings.TrimSpace(v) == "" {
		return nil, fmt.Errorf("%w: environment variable %s is empty or unset", ErrSecretNotSet, name)
	}
	key, err := ParseSecret(v)
	if err != nil {
		return nil, fmt.Errorf("%w (from environment variable %s)", err, name)
	}
	return key, nil
}

// checkSecrets validates a primary secret and any additional ones and returns
// private copies, so later changes to the caller's slices have no effect.
// Secret 0 in errors is the primary one.
func checkSecrets(primary []byte, more [][]byte) ([][]byte, error) {
	if len(primary) == 0 && len(more) == 0 {
		return nil, ErrNoSecret
	}
	return authkit.Secrets(append([][]byte{primary}, more...))
}
