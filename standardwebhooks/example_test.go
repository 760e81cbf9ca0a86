package standardwebhooks_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/standardwebhooks"
)

// A receiver checks a delivery with the sender's "whsec_" secret or "whpk_"
// public key. The values are the published Standard Webhooks test vector.
func ExampleVerifier_Verify() {
	v, err := standardwebhooks.NewVerifier(
		[]string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
		&standardwebhooks.VerifierOptions{Now: func() time.Time { return time.Unix(1614265330, 0) }},
	)
	if err != nil {
		panic(err)
	}
	h := http.Header{}
	h.Set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
	h.Set("webhook-timestamp", "1614265330")
	h.Set("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")

	fmt.Println(v.Verify(h, []byte(`{"test": 2432232314}`)))
	err = v.Verify(h, []byte(`{"test": 1}`))
	fmt.Println(errors.Is(err, webhook.ErrNoMatchingSignature))
	// Output:
	// <nil>
	// true
}

// A sender signs with an HMAC secret, an ed25519 private key, or both while
// moving from one to the other.
func ExampleSigner_Sign() {
	s, err := standardwebhooks.NewSigner([]string{
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==",
	}, nil)
	if err != nil {
		panic(err)
	}
	sig, err := s.Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil {
		panic(err)
	}
	for _, entry := range strings.Fields(sig) {
		fmt.Println(entry)
	}
	// Output:
	// v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=
	// v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==
}

// The middleware calls Authenticate; it returns the signed webhook-id as the
// idempotency key.
func ExampleVerifier_Authenticate() {
	now := time.Unix(1614265330, 0)
	s, _ := standardwebhooks.NewSigner([]string{"whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg=="}, nil)
	v, _ := standardwebhooks.NewVerifier(
		[]string{"whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4="}, // the public half only
		&standardwebhooks.VerifierOptions{Now: func() time.Time { return now }},
	)
	body := []byte(`{"type":"invoice.paid"}`)
	r := httptest.NewRequest(http.MethodPost, "/webhooks", strings.NewReader(string(body)))
	if err := s.SignHeaders(r.Header, "msg_1", now, body); err != nil {
		panic(err)
	}
	a, err := v.Authenticate(r, body)
	fmt.Println(a.ID, a.Timestamp.Unix(), a.ReplayWindow, err)
	// Output:
	// msg_1 1614265330 10m0s <nil>
}
