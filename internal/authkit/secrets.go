package authkit

import "fmt"

// CheckLen is the secret-length rule: it returns an error wrapping
// ErrSecretTooShort when a secret of n bytes is shorter than MinSecretLen.
// i numbers the secret in the message when it is one of several; pass -1
// for a lone secret. The message never contains the secret.
func CheckLen(i, n int) error {
	if n >= MinSecretLen {
		return nil
	}
	if i < 0 {
		return fmt.Errorf("%w: %d bytes, need at least %d", ErrSecretTooShort, n, MinSecretLen)
	}
	return fmt.Errorf("%w: secret %d has %d bytes, need at least %d", ErrSecretTooShort, i, n, MinSecretLen)
}

// Secrets checks that there is at least one secret (ErrNoSecret otherwise)
// and that each passes CheckLen, and returns private copies, so that later
// changes to the caller's slices have no effect.
func Secrets(keys [][]byte) ([][]byte, error) {
	if len(keys) == 0 {
		return nil, ErrNoSecret
	}
	out := make([][]byte, len(keys))
	for i, k := range keys {
		if err := CheckLen(i, len(k)); err != nil {
			return nil, err
		}
		out[i] = append([]byte(nil), k...)
	}
	return out, nil
}

// RawSecrets is Secrets for secrets given as strings, used as they are as
// raw HMAC keys (Stripe and GitHub show them that way).
func RawSecrets(secrets []string) ([][]byte, error) {
	keys := make([][]byte, len(secrets))
	for i, s := range secrets {
		keys[i] = []byte(s)
	}
	return Secrets(keys)
}
