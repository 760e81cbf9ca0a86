package endpoints

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// SecretKeyLen is the length, in bytes, of a key of a [KeyRing]: an
// AES-256 key.
const SecretKeyLen = 32

// keyPrefix marks the printable form of a key of a [KeyRing], so that a
// key is never mistaken for a signing secret ("whsec_") or the reverse.
const keyPrefix = "whkey_"

// maxRingKeys bounds a key ring: rotation needs two or three keys.
const maxRingKeys = 16

// KeyRing holds the keys that encrypt endpoint secrets at rest
// ([Options.SecretKeys]), newest first: the newest key encrypts,
// every key decrypts. Secrets are sealed with AES-256-GCM, bound to their
// endpoint and row, and stored with the id of their key.
//
// A key's id is derived from the key (a truncated SHA-256, which reveals
// nothing of a random key), so an id always names one key and cannot be
// mislabelled; [KeyRing.KeyIDs] lists them for logs and runbooks.
//
// To rotate: put a new key first ([NewSecretKey]) and keep the old ones,
// deploy, call [Service.ReencryptSecrets], then drop the old keys. A
// KeyRing is immutable and safe for concurrent use; its String method
// never shows a key.
type KeyRing struct {
	keys []ringKey
}

type ringKey struct {
	id   string
	aead cipher.AEAD
}

// NewKeyRing returns a key ring of keys, newest first, each
// [SecretKeyLen] bytes. It keeps only the AES key schedules, so later
// changes to keys have no effect. It returns an error
// wrapping [ErrInvalidSecretKeys] for no key, a key of the wrong length, a
// key listed twice or more than 16 keys.
func NewKeyRing(keys ...[]byte) (*KeyRing, error) {
	if len(keys) == 0 || len(keys) > maxRingKeys {
		return nil, fmt.Errorf("%w: want 1 to %d keys", ErrInvalidSecretKeys, maxRingKeys)
	}
	kr := &KeyRing{keys: make([]ringKey, 0, len(keys))}
	for i, k := range keys {
		if len(k) != SecretKeyLen {
			return nil, fmt.Errorf("%w: key %d has %d bytes, want %d", ErrInvalidSecretKeys, i, len(k), SecretKeyLen)
		}
		id := keyID(k)
		for _, o := range kr.keys {
			if o.id == id {
				return nil, fmt.Errorf("%w: key %d is listed twice", ErrInvalidSecretKeys, i)
			}
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("%w: key %d", ErrInvalidSecretKeys, i)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("%w: key %d", ErrInvalidSecretKeys, i)
		}
		kr.keys = append(kr.keys, ringKey{id: id, aead: aead})
	}
	return kr, nil
}

// ParseKeyRing reads a key ring in its text form: keys newest first,
// separated by commas, each "whkey_" and the standard base64 of
// [SecretKeyLen] bytes (padding optional), as [NewSecretKey] prints them.
// White space around keys is ignored. For example:
//
//	whkey_NEW...=,whkey_OLD...=
//
// Errors wrap [ErrInvalidSecretKeys] and name a key by its position, never
// by its value.
func ParseKeyRing(s string) (*KeyRing, error) {
	parts := strings.Split(s, ",")
	if len(parts) > maxRingKeys {
		return nil, fmt.Errorf("%w: want 1 to %d keys", ErrInvalidSecretKeys, maxRingKeys)
	}
	keys := make([][]byte, 0, len(parts))
	for i, p := range parts {
		rest, ok := strings.CutPrefix(strings.TrimSpace(p), keyPrefix)
		if !ok {
			return nil, fmt.Errorf("%w: key %d does not start with %q", ErrInvalidSecretKeys, i, keyPrefix)
		}
		k, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(rest, "="))
		if err != nil {
			return nil, fmt.Errorf("%w: key %d is not valid base64", ErrInvalidSecretKeys, i)
		}
		keys = append(keys, k)
	}
	return NewKeyRing(keys...)
}

// KeyRingFromEnv reads the environment variable name and parses it with
// [ParseKeyRing]. An unset or empty variable is an error wrapping
// [ErrInvalidSecretKeys]; errors name the variable, never its value.
func KeyRingFromEnv(name string) (*KeyRing, error) {
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		return nil, fmt.Errorf("%w: environment variable %s is empty or unset", ErrInvalidSecretKeys, name)
	}
	kr, err := ParseKeyRing(v)
	if err != nil {
		return nil, fmt.Errorf("%w (from environment variable %s)", err, name)
	}
	return kr, nil
}

// NewSecretKey returns a new random key for a [KeyRing], from
// crypto/rand, in the text form [ParseKeyRing] reads ("whkey_<base64>").
// Keep it where the provider keeps its other keys, never in the database.
func NewSecretKey() (string, error) {
	k := make([]byte, SecretKeyLen)
	if _, err := rand.Read(k); err != nil {
		return "", fmt.Errorf("durable: generating key: %w", err)
	}
	return keyPrefix + base64.StdEncoding.EncodeToString(k), nil
}

// KeyIDs returns the ids of the ring's keys, newest first: the ids that
// stored secrets name. They are safe to log.
func (kr *KeyRing) KeyIDs() []string {
	ids := make([]string, len(kr.keys))
	for i, k := range kr.keys {
		ids[i] = k.id
	}
	return ids
}

// String names the ring's keys by id; it never shows a key.
func (kr *KeyRing) String() string {
	return "KeyRing[" + strings.Join(kr.KeyIDs(), ",") + "]"
}

// keyID is the id of key k: 16 hex digits of a domain-separated SHA-256.
func keyID(k []byte) string {
	h := sha256.New()
	h.Write([]byte("signedhooks durable key id\x00"))
	h.Write(k)
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// sealedPrefix starts every encrypted value; the key id and the base64 of
// nonce and ciphertext follow: "enc:v1:<key id>:<base64>".
const sealedPrefix = "enc:v1:"

// keyIDLen is the length of a key id in a sealed value.
const keyIDLen = 16

// seal encrypts plain under the newest key, bound to aad.
func (kr *KeyRing) seal(plain, aad []byte) (string, error) {
	k := kr.keys[0]
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(plain)+k.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("durable: generating nonce: %w", err)
	}
	out := k.aead.Seal(nonce, nonce, plain, aad)
	return sealedPrefix + k.id + ":" + base64.RawStdEncoding.EncodeToString(out), nil
}

// isSealed reports whether a stored value is encrypted.
func isSealed(v string) bool { return strings.HasPrefix(v, sealedPrefix) }

// sealedKeyID returns the key id a sealed value names, or "".
func sealedKeyID(v string) string {
	rest, ok := strings.CutPrefix(v, sealedPrefix)
	if !ok || len(rest) < keyIDLen+1 || rest[keyIDLen] != ':' {
		return ""
	}
	return rest[:keyIDLen]
}

// errUnknownKey means a sealed value names a key that the ring lacks.
var errUnknownKey = errors.New("durable: encrypted under a key missing from the key ring")

// open decrypts a sealed value bound to aad. The errors wrap
// [ErrSecretKeys]; they say which key, never what was sealed.
func (kr *KeyRing) open(v string, aad []byte) ([]byte, error) {
	id := sealedKeyID(v)
	if id == "" {
		return nil, fmt.Errorf("%w: malformed encrypted value", ErrSecretKeys)
	}
	for _, k := range kr.keys {
		if k.id != id {
			continue
		}
		raw, err := base64.RawStdEncoding.DecodeString(v[len(sealedPrefix)+keyIDLen+1:])
		if err != nil || len(raw) < k.aead.NonceSize()+k.aead.Overhead() {
			return nil, fmt.Errorf("%w: malformed encrypted value (key %s)", ErrSecretKeys, id)
		}
		n := k.aead.NonceSize()
		plain, err := k.aead.Open(nil, raw[:n], raw[n:], aad)
		if err != nil {
			return nil, fmt.Errorf("%w: value under key %s fails authentication (wrong key, tampered, or moved to another row)", ErrSecretKeys, id)
		}
		return plain, nil
	}
	return nil, fmt.Errorf("%w: %w: %s", ErrSecretKeys, errUnknownKey, id)
}

// newest returns the id of the key that encrypts.
func (kr *KeyRing) newest() string { return kr.keys[0].id }

// has reports whether the ring holds the key with this id.
func (kr *KeyRing) has(id string) bool {
	for _, k := range kr.keys {
		if k.id == id {
			return true
		}
	}
	return false
}
