package stripesig

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/internal/authkit"
	"github.com/signedhooks/webhook/internal/sigheader"
)

// FuzzParseHeader checks that the parser never panics, keeps to its bounds,
// and that what it accepts is really in the input.
func FuzzParseHeader(f *testing.F) {
	f.Add("t=1614265330,v1=4e0dc3fd5f1c0b0b0b6fdc7ba69e8e1fc2b2b0b7d5a3b8bde0f02d0b5fa0b0c1")
	f.Add("t=1,t=2,v1=00")
	f.Add(" t=1 ,, v0=x,v1=ZZ,bare,=,t=")
	f.Fuzz(func(t *testing.T, v string) {
		var h sigheader.Header
		if authkit.ParseHeader(v, sigheader.StripeKey, &h) != nil {
			return
		}
		if len(v) > MaxHeaderLen || h.N < 1 || h.N > MaxSignatures {
			t.Fatalf("accepted a header over the bounds: len %d, %d signatures", len(v), h.N)
		}
		if !strings.Contains(v, "t="+h.TS) {
			t.Fatalf("timestamp %q not in header", h.TS)
		}
		for i := 0; i < h.N; i++ {
			if !strings.Contains(strings.ToLower(v), "v1="+hex.EncodeToString(h.Sigs[i][:])) {
				t.Fatalf("signature %d not in header", i)
			}
		}
	})
}

// FuzzVerify checks that Verify never panics, returns only documented
// errors, and that whatever Sign makes verifies.
func FuzzVerify(f *testing.F) {
	f.Add("t=1614265330,v1=00", []byte(`{"id":"evt_1"}`))
	f.Add("", []byte(nil))
	now := time.Unix(1614265330, 0)
	secret := "whsec_plAC3bBEVyAf8kF1cLcJeEXyW8nyvNBs"
	v, err := NewVerifier([]string{secret}, &VerifierOptions{Now: func() time.Time { return now }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		if err := v.Verify(header, body); err != nil && !isDocumented(err) {
			t.Fatalf("undocumented error %v", err)
		}
		if err := v.Verify(Sign([]string{secret}, now, body), body); err != nil {
			t.Fatalf("signed request does not verify: %v", err)
		}
	})
}

func isDocumented(err error) bool {
	for _, want := range []error{webhook.ErrMissingSignature, webhook.ErrInvalidHeader,
		webhook.ErrNoMatchingSignature, webhook.ErrTimestampTooOld, webhook.ErrTimestampTooNew} {
		if errors.Is(err, want) {
			return true
		}
	}
	return false
}
