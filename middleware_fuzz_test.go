package webhook_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/signedhooks/webhook"
)

// FuzzMiddleware sends arbitrary headers and bodies through the middleware:
// it must never panic, always answer one of the documented statuses with a
// JSON body, and never let an unsigned request reach the next handler.
func FuzzMiddleware(f *testing.F) {
	f.Add("t=1750000000,s="+strings.Repeat("ab", 32), "msg_1", `{"event":"x"}`)
	f.Add("", "", "")
	f.Add("t=,s=", "\x00", `{"event":`)
	f.Add("s=zz,t=1,t=2", strings.Repeat("i", 5000), strings.Repeat("[", 1000))
	verifier, err := webhook.NewVerifier(mwSecret, &webhook.VerifierOptions{
		Now: func() time.Time { return mwNow }, MaxBodyBytes: 1 << 12,
	})
	if err != nil {
		f.Fatal(err)
	}
	reached := false
	h := webhook.Middleware(verifier, nil)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true }))
	f.Fuzz(func(t *testing.T, sig, id, body string) {
		r := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(body))
		r.Header.Set(webhook.SignatureHeader, sig)
		r.Header.Set(webhook.IDHeader, id)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if reached {
			t.Fatalf("an unsigned request reached the handler: sig %q", sig)
		}
		switch rec.Code {
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d for sig %q", rec.Code, sig)
		}
		if !strings.HasPrefix(rec.Body.String(), `{"error":"`) {
			t.Fatalf("body %q", rec.Body.String())
		}
	})
}
