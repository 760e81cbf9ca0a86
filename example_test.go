package webhook_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/signedhooks/webhook"
)

// The whole exchange: a provider signs, a consumer verifies.
func Example() {
	secret := []byte("a-secret-of-at-least-16-bytes")
	signer, _ := webhook.NewSigner(secret, nil)
	verifier, _ := webhook.NewVerifier(secret, nil)

	body := []byte(`{"event":"user.created","data":{"user":{"id":"usr_1"}}}`)
	header := signer.Sign(time.Now(), body)

	fmt.Println(verifier.Verify(header, body))
	fmt.Println(verifier.Verify(header, []byte(`{"event":"user.deleted"}`)))
	// Output:
	// <nil>
	// webhook: no matching signature
}

func ExampleVerifier_Verify() {
	secret := []byte("a-secret-of-at-least-16-bytes")
	signedAt := time.Unix(1732838400, 0)
	verifier, _ := webhook.NewVerifier(secret, &webhook.VerifierOptions{
		Now: func() time.Time { return signedAt.Add(time.Hour) }, // an hour later
	})
	signer, _ := webhook.NewSigner(secret, nil)
	body := []byte(`{"event":"payment.succeeded"}`)

	err := verifier.Verify(signer.Sign(signedAt, body), body)
	switch {
	case errors.Is(err, webhook.ErrTimestampTooOld):
		fmt.Println("genuine but stale: refuse it")
	case err != nil:
		fmt.Println("not genuine")
	default:
		fmt.Println("ok")
	}
	// Output: genuine but stale: refuse it
}

// Rotating a secret: the verifier accepts both while senders switch over, and
// a signer in the middle of a rotation signs with both.
func ExampleVerifierOptions_rotation() {
	oldSecret := []byte("the-old-secret-0123456789")
	newSecret := []byte("the-new-secret-0123456789")
	verifier, _ := webhook.NewVerifier(newSecret, &webhook.VerifierOptions{
		AdditionalSecrets: [][]byte{oldSecret},
	})
	oldSigner, _ := webhook.NewSigner(oldSecret, nil)
	both, _ := webhook.NewSigner(newSecret, &webhook.SignerOptions{AdditionalSecrets: [][]byte{oldSecret}})

	body := []byte(`{}`)
	fmt.Println(verifier.Verify(oldSigner.Sign(time.Now(), body), body))
	fmt.Println(strings.Count(both.Sign(time.Now(), body), ",s="))
	// Output:
	// <nil>
	// 2
}

func ExampleVerifier_VerifyRequest() {
	secret := []byte("a-secret-of-at-least-16-bytes")
	verifier, _ := webhook.NewVerifier(secret, nil)
	signer, _ := webhook.NewSigner(secret, nil)

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := verifier.VerifyRequest(r); err != nil {
			// Never tell the caller why: log err, answer with a bare status.
			http.Error(w, http.StatusText(http.StatusUnauthorized), http.StatusUnauthorized)
			return
		}
		body, _ := io.ReadAll(r.Body) // still readable after verification
		fmt.Printf("handled %s\n", body)
	})

	req := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(`{"event":"user.created"}`))
	_ = signer.SignRequest(req, "msg_1")
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	fmt.Println(rec.Code)
	// Output:
	// handled {"event":"user.created"}
	// 200
}

func ExampleSigner_SignRequest() {
	secret := []byte("a-secret-of-at-least-16-bytes")
	signer, _ := webhook.NewSigner(secret, &webhook.SignerOptions{
		Now: func() time.Time { return time.Unix(1732838400, 0) },
	})
	req, _ := http.NewRequest(http.MethodPost, "https://example.com/webhook", strings.NewReader(`{"event":"user.created"}`))
	_ = signer.SignRequest(req, "msg_1")
	fmt.Println(req.Header.Get("X-Webhook-Id"))
	fmt.Println(req.Header.Get("X-Webhook-Timestamp"))
	fmt.Println(req.Header.Get("X-Webhook-Signature")[:13])
	// Output:
	// msg_1
	// 1732838400
	// t=1732838400,
}

func ExampleFormatSecret() {
	secret, _ := webhook.NewSecret()
	printable := webhook.FormatSecret(secret)
	back, _ := webhook.ParseSecret(printable)
	fmt.Println(strings.HasPrefix(printable, "whsec_"), len(back))
	// Output: true 32
}
