package endpoints

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func randKey(t testing.TB) []byte {
	k := make([]byte, SecretKeyLen)
	_, err := rand.Read(k)
	require.NoError(t, err)
	return k
}

func TestNewKeyRingRefuses(t *testing.T) {
	t.Parallel()
	k := randKey(t)
	many := make([][]byte, maxRingKeys+1)
	for i := range many {
		many[i] = randKey(t)
	}
	tests := []struct {
		name string
		keys [][]byte
	}{
		{"no key", nil},
		{"short key", [][]byte{k[:31]}},
		{"long key", [][]byte{append(append([]byte(nil), k...), 0)}},
		{"a key twice", [][]byte{k, randKey(t), k}},
		{"too many keys", many},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewKeyRing(tc.keys...)
			require.ErrorIs(t, err, ErrInvalidSecretKeys)
		})
	}
}

func TestParseKeyRing(t *testing.T) {
	t.Parallel()
	newKey, err := NewSecretKey()
	require.NoError(t, err)
	oldKey, err := NewSecretKey()
	require.NoError(t, err)
	kr, err := ParseKeyRing(" " + newKey + " ,\n" + strings.TrimRight(oldKey, "=") + " ")
	require.NoError(t, err, "white space around keys and missing padding are fine")
	ids := kr.KeyIDs()
	require.Len(t, ids, 2)
	assert.NotEqual(t, ids[0], ids[1])
	again, err := ParseKeyRing(newKey)
	require.NoError(t, err)
	assert.Equal(t, ids[0], again.KeyIDs()[0], "a key's id depends on the key alone")
	assert.Len(t, ids[0], keyIDLen)
	for _, s := range []string{kr.String(), strings.Join(ids, "")} {
		assert.NotContains(t, s, strings.TrimPrefix(newKey, keyPrefix)[:20], "ids and String never show a key")
	}

	for _, bad := range []string{
		"",
		newKey + ",",
		strings.TrimPrefix(newKey, keyPrefix), // no prefix
		"whsec_" + strings.TrimPrefix(newKey, keyPrefix), // a signing secret, not a key
		keyPrefix + "!!!!",
		keyPrefix + base64.StdEncoding.EncodeToString(make([]byte, 16)),
		newKey + "," + newKey,
	} {
		_, err := ParseKeyRing(bad)
		require.ErrorIs(t, err, ErrInvalidSecretKeys, "%.12q", bad)
		if len(bad) > 30 {
			assert.NotContains(t, err.Error(), bad[6:30], "errors never show a key")
		}
	}
}

func TestKeyRingFromEnv(t *testing.T) {
	key, err := NewSecretKey()
	require.NoError(t, err)
	t.Setenv("DURABLE_TEST_KEYS", key)
	kr, err := KeyRingFromEnv("DURABLE_TEST_KEYS")
	require.NoError(t, err)
	assert.Len(t, kr.KeyIDs(), 1)

	t.Setenv("DURABLE_TEST_KEYS", "")
	_, err = KeyRingFromEnv("DURABLE_TEST_KEYS")
	require.ErrorIs(t, err, ErrInvalidSecretKeys)
	t.Setenv("DURABLE_TEST_KEYS", "whkey_short")
	_, err = KeyRingFromEnv("DURABLE_TEST_KEYS")
	require.ErrorIs(t, err, ErrInvalidSecretKeys)
	assert.Contains(t, err.Error(), "DURABLE_TEST_KEYS", "the error names the variable")
	assert.NotContains(t, err.Error(), "whkey_short", "and never its value")
}

// The newest key seals; every key of the ring opens; the associated data
// (endpoint and row) must match; any change to a sealed value is caught.
func TestKeyRingSealOpen(t *testing.T) {
	t.Parallel()
	k1, k2 := randKey(t), randKey(t)
	old, err := NewKeyRing(k1)
	require.NoError(t, err)
	ring, err := NewKeyRing(k2, k1)
	require.NoError(t, err)
	other, err := NewKeyRing(randKey(t))
	require.NoError(t, err)
	secret := []byte("0123456789abcdef0123456789abcdef")
	aad := secretAAD("ep_1", 7)

	sealedOld, err := old.seal(secret, aad)
	require.NoError(t, err)
	sealedNew, err := ring.seal(secret, aad)
	require.NoError(t, err)
	assert.Equal(t, old.newest(), sealedKeyID(sealedOld))
	assert.Equal(t, ring.newest(), sealedKeyID(sealedNew), "the newest key seals")
	assert.False(t, bytes.Contains([]byte(sealedNew), secret))
	again, err := ring.seal(secret, aad)
	require.NoError(t, err)
	assert.NotEqual(t, sealedNew, again, "a fresh nonce each time")

	for name, v := range map[string]string{"old key": sealedOld, "new key": sealedNew} {
		got, err := ring.open(v, aad)
		require.NoError(t, err, name)
		assert.Equal(t, secret, got, name)
	}

	head := sealedNew[:len(sealedPrefix)+keyIDLen+1]
	raw, err := base64.RawStdEncoding.DecodeString(sealedNew[len(head):])
	require.NoError(t, err)
	raw[len(raw)/2] ^= 1
	flipped := head + base64.RawStdEncoding.EncodeToString(raw)
	tests := []struct {
		name string
		ring *KeyRing
		v    string
		aad  []byte
	}{
		{"other row", ring, sealedNew, secretAAD("ep_1", 8)},
		{"other endpoint", ring, sealedNew, secretAAD("ep_2", 7)},
		{"key missing from the ring", other, sealedNew, aad},
		{"newer key unknown to an old ring", old, sealedNew, aad},
		{"flipped ciphertext", ring, flipped, aad},
		{"truncated", ring, sealedNew[:len(sealedNew)-4], aad},
		{"too short", ring, sealedPrefix + ring.newest() + ":AAAA", aad},
		{"no key id", ring, sealedPrefix + "xyz", aad},
		{"key id of another key", ring, sealedPrefix + old.newest() + sealedNew[len(sealedPrefix)+keyIDLen:], aad},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.ring.open(tc.v, tc.aad)
			require.ErrorIs(t, err, ErrSecretKeys)
			assert.Nil(t, got)
		})
	}
}

func BenchmarkKeyRingOpen(b *testing.B) {
	ring, err := NewKeyRing(randKey(b))
	require.NoError(b, err)
	aad := secretAAD("ep_1", 7)
	v, err := ring.seal(randKey(b), aad)
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ring.open(v, aad); err != nil {
			b.Fatal(err)
		}
	}
}
