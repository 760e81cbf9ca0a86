package githubsig

import (
	"errors"
	"testing"

	"github.com/signedhooks/webhook"
)

// FuzzVerify checks that Verify never panics on any header, returns only
// documented errors, and that whatever Sign makes verifies.
func FuzzVerify(f *testing.F) {
	f.Add("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", []byte("Hello, World!"))
	f.Add("sha256=", []byte(nil))
	f.Add("sha1=0123", []byte("x"))
	secret := "It's a Secret to Everybody"
	v, err := NewVerifier([]string{secret}, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		err := v.Verify(header, body)
		if err != nil && !errors.Is(err, webhook.ErrMissingSignature) &&
			!errors.Is(err, webhook.ErrInvalidHeader) && !errors.Is(err, webhook.ErrNoMatchingSignature) {
			t.Fatalf("undocumented error %v", err)
		}
		if err := v.Verify(Sign(secret, body), body); err != nil {
			t.Fatalf("signed request does not verify: %v", err)
		}
	})
}
