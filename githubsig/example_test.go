package githubsig_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/githubsig"
)

// The example from GitHub's documentation on validating deliveries.
func ExampleVerifier_Verify() {
	v, err := githubsig.NewVerifier([]string{"It's a Secret to Everybody"}, nil)
	if err != nil {
		panic(err)
	}
	sig := "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	fmt.Println(v.Verify(sig, []byte("Hello, World!")))
	err = v.Verify(sig, []byte("Hello, World?"))
	fmt.Println(errors.Is(err, webhook.ErrNoMatchingSignature))
	// Output:
	// <nil>
	// true
}

// The middleware calls Authenticate; id and type come from GitHub's headers.
func ExampleVerifier_Authenticate() {
	secret := "It's a Secret to Everybody"
	v, _ := githubsig.NewVerifier([]string{secret}, nil)
	body := []byte(`{"zen":"Keep it logically awesome."}`)
	r := httptest.NewRequest(http.MethodPost, "/github", strings.NewReader(string(body)))
	r.Header.Set("X-Hub-Signature-256", githubsig.Sign(secret, body))
	r.Header.Set("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
	r.Header.Set("X-GitHub-Event", "ping")

	a, err := v.Authenticate(r, body)
	fmt.Println(a.ID, a.Type, a.Timestamp.IsZero(), err)
	// Output:
	// 72d3162e-cc78-11e3-81ab-4c9367dc0958 ping true <nil>
}

// A GitHub webhook whose secret is shorter than webhook.MinSecretLen, and
// cannot be changed, is verified only with AllowShortSecret.
func ExampleNewVerifier_shortSecret() {
	secret := "hunter2" // GitHub accepts any length
	body := []byte(`{"zen":"Design for failure."}`)

	_, err := githubsig.NewVerifier([]string{secret}, nil)
	fmt.Println(errors.Is(err, webhook.ErrSecretTooShort))

	v, err := githubsig.NewVerifier([]string{secret}, &githubsig.VerifierOptions{AllowShortSecret: true})
	if err != nil {
		panic(err)
	}
	fmt.Println(v.Verify(githubsig.Sign(secret, body), body))
	// Output:
	// true
	// <nil>
}

func ExampleSign() {
	fmt.Println(githubsig.Sign("It's a Secret to Everybody", []byte("Hello, World!")))
	// Output:
	// sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17
}
