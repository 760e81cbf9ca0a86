package redisstore

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
)

// tokenLen is the length of a claim token in bytes. The Lua scripts rely on
// it (see scripts.go): change both together.
const tokenLen = 32

// newToken returns a fresh random claim token of tokenLen hex digits.
// 128 random bits make two claims sharing a token, in any number of
// processes, practically impossible.
func newToken() (string, error) {
	var b [tokenLen / 2]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// validToken reports whether token has the shape of a token newToken made.
// Anything else cannot own a key, so it is answered without a round trip.
func validToken(token string) bool {
	if len(token) != tokenLen {
		return false
	}
	for i := 0; i < len(token); i++ {
		c := token[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// sigDigest returns a fixed-length (32 hex digits) digest of a replay key, to
// be stored with a claim so that a claim by a replay of the same signed
// request can be recognised; "" when there is no replay key.
func sigDigest(replayKey string) string {
	if replayKey == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(replayKey))
	return hex.EncodeToString(sum[:16])
}
