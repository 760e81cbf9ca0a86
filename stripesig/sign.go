package stripesig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// Sign returns a Stripe-Signature value for body signed at ts:
// "t=<unix>,v1=<hex>" with one v1 entry per secret, each secret used as the
// raw HMAC key exactly as given. It is meant for tests of receivers and for
// providers that send in this format; it never fails.
func Sign(secrets []string, ts time.Time, body []byte) string {
	t := strconv.FormatInt(ts.Unix(), 10)
	b := make([]byte, 0, len("t=")+len(t)+len(secrets)*(len(",v1=")+2*sha256.Size))
	b = append(b, "t="...)
	b = append(b, t...)
	for _, s := range secrets {
		m := hmac.New(sha256.New, []byte(s))
		m.Write([]byte(t))
		m.Write([]byte{'.'})
		m.Write(body)
		b = append(b, ",v1="...)
		b = hex.AppendEncode(b, m.Sum(nil))
	}
	return string(b)
}
