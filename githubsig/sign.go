package githubsig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// Sign returns the X-Hub-Signature-256 value GitHub would send for body
// with secret: "sha256=<hex HMAC-SHA256>". It is meant for tests of
// receivers; it never fails.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return prefix + hex.EncodeToString(m.Sum(nil))
}
