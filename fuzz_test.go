package webhook_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/internal/sigheader"
)

// FuzzVerify checks that Verify never panics, that anything it accepts
// carries a signature made with a secret we hold over exactly that timestamp
// and body, and that signing then verifying always round-trips.
func FuzzVerify(f *testing.F) {
	signer, err := webhook.NewSigner(testSecret, nil)
	if err != nil {
		f.Fatal(err)
	}
	body := []byte(`{"event":"user.created"}`)
	f.Add(signer.Sign(testTime, body), body, int64(0))
	f.Add("t=1,s=00", []byte{}, int64(5))
	f.Add(" t=1732838400 , s="+signer.Sign(testTime, nil)[16:], []byte(nil), int64(-1))

	v, err := webhook.NewVerifier(testSecret, &webhook.VerifierOptions{InsecureSkipTimestampCheck: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, header string, body []byte, ts int64) {
		if err := v.Verify(header, body); err == nil {
			var h sigheader.Header
			if err := sigheader.Parse(header, sigheader.NativeKey, &h); err != nil {
				t.Fatalf("verified a header that does not parse: %v", err)
			}
			mac := hmac.New(sha256.New, testSecret)
			mac.Write([]byte(h.TS + "."))
			mac.Write(body)
			want := mac.Sum(nil)
			found := false
			for i := 0; i < h.N; i++ {
				found = found || bytes.Equal(h.Sigs[i][:], want)
			}
			if !found {
				t.Fatalf("accepted %q without a signature from our secret", header)
			}
		}
		if ts < 0 || ts > 1e11 {
			return
		}
		if err := v.Verify(signer.Sign(time.Unix(ts, 0), body), body); err != nil {
			t.Fatalf("round trip at %d: %v", ts, err)
		}
	})
}
