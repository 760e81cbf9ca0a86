package standardwebhooks

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/internal/authkit"
)

// Key prefixes of the printable keys.
const (
	// SecretPrefix marks a symmetric HMAC secret: "whsec_<base64>".
	SecretPrefix = "whsec_"
	// PrivateKeyPrefix marks an ed25519 signing key: "whsk_<base64>" of the
	// 32-byte seed followed by the 32-byte public key.
	PrivateKeyPrefix = "whsk_"
	// PublicKeyPrefix marks an ed25519 public key: "whpk_<base64>".
	PublicKeyPrefix = "whpk_"
)

// FormatSecret returns the printable "whsec_<base64>" form of an HMAC secret.
func FormatSecret(secret []byte) string {
	return SecretPrefix + base64.StdEncoding.EncodeToString(secret)
}

// FormatPrivateKey returns the printable "whsk_<base64>" form of an ed25519
// private key (seed then public key).
func FormatPrivateKey(key ed25519.PrivateKey) string {
	return PrivateKeyPrefix + base64.StdEncoding.EncodeToString(key)
}

// FormatPublicKey returns the printable "whpk_<base64>" form of an ed25519
// public key.
func FormatPublicKey(key ed25519.PublicKey) string {
	return PublicKeyPrefix + base64.StdEncoding.EncodeToString(key)
}

// key is one parsed key: an HMAC secret, an ed25519 private key (signers
// only) or an ed25519 public key.
type key struct {
	secret []byte
	priv   ed25519.PrivateKey
	pub    ed25519.PublicKey
}

// parseKey reads one printable key. i numbers it in error messages, which
// never contain key material. A string without a known prefix is read as
// base64 of an HMAC secret, as the reference libraries do.
func parseKey(i int, s string) (key, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, PublicKeyPrefix):
		b, err := decodeKey(i, s[len(PublicKeyPrefix):])
		if err != nil {
			return key{}, err
		}
		if len(b) != ed25519.PublicKeySize {
			return key{}, fmt.Errorf("%w: key %d: whpk_ key has %d bytes, want %d", webhook.ErrInvalidSecret, i, len(b), ed25519.PublicKeySize)
		}
		return key{pub: ed25519.PublicKey(b)}, nil
	case strings.HasPrefix(s, PrivateKeyPrefix):
		b, err := decodeKey(i, s[len(PrivateKeyPrefix):])
		if err != nil {
			return key{}, err
		}
		var priv ed25519.PrivateKey
		switch len(b) {
		case ed25519.SeedSize:
			priv = ed25519.NewKeyFromSeed(b)
		case ed25519.PrivateKeySize:
			priv = ed25519.NewKeyFromSeed(b[:ed25519.SeedSize])
			if !priv.Public().(ed25519.PublicKey).Equal(ed25519.PublicKey(b[ed25519.SeedSize:])) {
				return key{}, fmt.Errorf("%w: key %d: whsk_ public half does not match its seed", webhook.ErrInvalidSecret, i)
			}
		default:
			return key{}, fmt.Errorf("%w: key %d: whsk_ key has %d bytes, want %d or %d", webhook.ErrInvalidSecret, i, len(b), ed25519.SeedSize, ed25519.PrivateKeySize)
		}
		return key{priv: priv, pub: priv.Public().(ed25519.PublicKey)}, nil
	default:
		b, err := decodeKey(i, strings.TrimPrefix(s, SecretPrefix))
		if err != nil {
			return key{}, err
		}
		if err := authkit.CheckLen(i, len(b)); err != nil {
			return key{}, err
		}
		return key{secret: b}, nil
	}
}

func decodeKey(i int, s string) ([]byte, error) {
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, fmt.Errorf("%w: key %d is not base64", webhook.ErrInvalidSecret, i)
	}
	return b, nil
}
