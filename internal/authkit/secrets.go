package authkit

import (
	"fmt"

	"github.com/signedhooks/webhook"
)

// RawSecrets checks that there is at least one secret and that each has at
// least webhook.MinSecretLen bytes, and returns private copies of their bytes.
// The secret strings are used as they are, as raw HMAC keys. Errors wrap
// webhook.ErrNoSecret or webhook.ErrSecretTooShort and name a secret only by
// its position.
func RawSecrets(secrets []string) ([][]byte, error) {
	if len(secrets) == 0 {
		return nil, webhook.ErrNoSecret
	}
	keys := make([][]byte, len(secrets))
	for i, s := range secrets {
		if err := CheckLen(i, len(s)); err != nil {
			return nil, err
		}
		keys[i] = []byte(s)
	}
	return keys, nil
}

// CheckLen returns an error wrapping webhook.ErrSecretTooShort when secret
// number i has fewer than webhook.MinSecretLen bytes.
func CheckLen(i, n int) error {
	if n < webhook.MinSecretLen {
		return fmt.Errorf("%w: secret %d has %d bytes, need at least %d",
			webhook.ErrSecretTooShort, i, n, webhook.MinSecretLen)
	}
	return nil
}
