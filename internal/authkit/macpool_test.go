package authkit

import (
	"crypto/hmac"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/internal/sigheader"
)

func mac(key, msg string) (s [sha256.Size]byte) {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(msg))
	copy(s[:], m.Sum(nil))
	return s
}

func TestMACSetMatch(t *testing.T) {
	t.Parallel()
	const k1, k2 = "first-secret-0123", "second-secret-0123"
	pool := NewMACPool([][]byte{[]byte(k1), []byte(k2)})
	good1, good2 := mac(k1, "1.body"), mac(k2, "1.body")
	other := mac("unknown-secret-0123", "1.body")
	tests := []struct {
		name string
		sigs [][sha256.Size]byte
		want int
	}{
		{"none", nil, -1},
		{"foreign only", [][sha256.Size]byte{other}, -1},
		{"first secret", [][sha256.Size]byte{other, good1}, 1},
		{"second secret", [][sha256.Size]byte{good2, other}, 0},
		{"first secret wins", [][sha256.Size]byte{good2, good1}, 1},
		{"other body", [][sha256.Size]byte{mac(k1, "1.bodx")}, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			set := pool.Get()
			defer pool.Put(set)
			assert.Equal(t, tc.want, set.Match(set.TimestampPrefix("1"), []byte("body"), tc.sigs))
		})
	}
}

func TestAppendHeaderParses(t *testing.T) {
	t.Parallel()
	keys := [][]byte{[]byte("first-secret-0123"), []byte("second-secret-0123")}
	pool := NewMACPool(keys)
	for _, key := range []string{sigheader.NativeKey, sigheader.StripeKey} {
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			set := pool.Get()
			defer pool.Put(set)
			v := string(AppendHeader(nil, key, set.MACs, set.Buf[:], &set.Sum, time.Unix(1732838400, 0), []byte("body")))
			assert.True(t, strings.HasPrefix(v, "t=1732838400,"+key+"="), v)
			var h sigheader.Header
			require.NoError(t, ParseHeader(v, key, &h))
			require.Equal(t, 2, h.N)
			assert.Equal(t, mac(string(keys[0]), "1732838400.body"), h.Sigs[0])
			assert.Equal(t, mac(string(keys[1]), "1732838400.body"), h.Sigs[1])
			assert.Equal(t, 0, set.Match(set.TimestampPrefix(h.TS), []byte("body"), h.Sigs[:h.N]))
		})
	}
}

func TestParseHeaderErrors(t *testing.T) {
	t.Parallel()
	var h sigheader.Header
	require.ErrorIs(t, ParseHeader("", sigheader.NativeKey, &h), ErrMissingSignature)
	err := ParseHeader("t=1", sigheader.NativeKey, &h)
	require.ErrorIs(t, err, ErrInvalidHeader)
	require.ErrorIs(t, ParseHeader("t=1,s="+strings.Repeat("ab", 32), sigheader.StripeKey, &h), ErrInvalidHeader)
}

func TestSecrets(t *testing.T) {
	t.Parallel()
	_, err := Secrets(nil)
	require.ErrorIs(t, err, ErrNoSecret)
	in := [][]byte{[]byte("0123456789abcdef")}
	out, err := Secrets(in)
	require.NoError(t, err)
	in[0][0] = 'x'
	assert.Equal(t, "0123456789abcdef", string(out[0]), "a private copy")
	require.ErrorIs(t, CheckLen(-1, MinSecretLen-1), ErrSecretTooShort)
	require.NoError(t, CheckLen(3, MinSecretLen))
}
