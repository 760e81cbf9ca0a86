package webhooktest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/githubsig"
	"github.com/signedhooks/webhook/standardwebhooks"
	"github.com/signedhooks/webhook/stripesig"
)

// Native returns a signer for this module's own wire format
// (X-Webhook-Signature "t=...,s=..."), with secret read by
// [webhook.ParseSecret] ("whsec_<base64>" or the raw string). It panics if
// the secret is malformed or too short.
func Native(secret string) *webhook.Signer {
	key, err := webhook.ParseSecret(secret)
	if err != nil {
		panic(fmt.Sprintf("webhooktest: Native: %v", err))
	}
	s, err := webhook.NewSigner(key, nil)
	if err != nil {
		panic(fmt.Sprintf("webhooktest: Native: %v", err))
	}
	return s
}

// StandardWebhooks returns a Standard Webhooks signer for key: a "whsec_"
// secret signs "v1" (HMAC-SHA256), a "whsk_" private key signs "v1a"
// (ed25519). A [webhook.Message] with Data is sent as
// {"id", "type", "data"}. It panics if the key is malformed.
func StandardWebhooks(key string) *standardwebhooks.Signer {
	s, err := standardwebhooks.NewSigner([]string{key}, nil)
	if err != nil {
		panic(fmt.Sprintf("webhooktest: StandardWebhooks: %v", err))
	}
	return s
}

// Stripe returns a Stripe-style signer (Stripe-Signature "t=...,v1=...")
// for secret, used as the raw HMAC key as Stripe does. A [webhook.Message]
// with Data is sent as {"id", "type", "data"}, so that a Stripe-style
// verifier reads the id and type from the signed body. It panics if the
// secret is unusable.
func Stripe(secret string) *stripesig.Signer {
	s, err := stripesig.NewSigner([]string{secret}, nil)
	if err != nil {
		panic(fmt.Sprintf("webhooktest: Stripe: %v", err))
	}
	return s
}

// GitHub returns a GitHub-style signer (X-Hub-Signature-256 "sha256=...",
// with X-GitHub-Delivery and X-GitHub-Event) for secret. GitHub signs no
// timestamp, so the [Provider]'s stale and future cases are skipped with it.
// It panics if the secret is unusable.
func GitHub(secret string) *githubsig.Signer {
	s, err := githubsig.NewSigner(secret, nil)
	if err != nil {
		panic(fmt.Sprintf("webhooktest: GitHub: %v", err))
	}
	return s
}

// NewRequest returns an incoming server request, as
// [httptest.NewRequest] does, for msg delivered to target: a POST whose body
// and headers are exactly those a [webhook.Sender] using signer sends, signed
// now. An empty msg.ID is replaced by a new [webhook.NewMessageID]; read it
// back from the request's id header or body if the test needs it.
//
// target is a path ("/webhooks") or an absolute URL, as with
// httptest.NewRequest. NewRequest panics if signer is nil or msg cannot be
// sent (both or neither of Payload and Data, Data that does not marshal, an
// id the scheme refuses).
func NewRequest(signer webhook.HeaderSigner, target string, msg webhook.Message) *http.Request {
	return Provider{Signer: signer}.NewRequest(target, msg)
}

// signed is one request as a Sender signs it.
type signed struct {
	id     string
	header http.Header
	body   []byte
	at     time.Time // the signed time
}

// request returns s as an incoming request to target.
func (s *signed) request(target string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(s.body))
	r.Header = s.header.Clone()
	return r
}

// roundTripper adapts a function to [http.RoundTripper].
type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// captureURL is where sign's Sender "sends"; nothing is ever dialled.
const captureURL = "http://webhooktest.invalid/"

// sign returns msg as a Sender with signer signs it at now, or at least one
// second after after when that is not zero, as the Sender signs a retry.
// The Sender builds the envelope, so it cannot drift from production.
func sign(signer webhook.HeaderSigner, now, after time.Time, msg webhook.Message) (signed, error) {
	if signer == nil {
		return signed{}, fmt.Errorf("webhooktest: nil signer")
	}
	if msg.ID == "" {
		msg.ID = webhook.NewMessageID()
	}
	got := signed{id: msg.ID}
	capture := roundTripper(func(r *http.Request) (*http.Response, error) {
		var body []byte
		if r.Body != nil {
			b, err := io.ReadAll(r.Body)
			r.Body.Close()
			if err != nil {
				return nil, err
			}
			body = b
		}
		got.header, got.body = r.Header.Clone(), body
		return &http.Response{
			StatusCode: http.StatusNoContent, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: make(http.Header), Body: http.NoBody, Request: r,
		}, nil
	})
	s, err := webhook.NewSender(&webhook.SenderOptions{
		Signer: signer,
		Now:    func() time.Time { return now },
		Client: &http.Client{Transport: capture},
	})
	if err != nil {
		return signed{}, fmt.Errorf("webhooktest: %w", err)
	}
	a, err := s.Attempt(context.Background(), captureURL, msg, webhook.AttemptOptions{After: after})
	if err != nil {
		return signed{}, fmt.Errorf("webhooktest: signing message %q: %w", msg.ID, err)
	}
	got.at = a.SignedAt
	return got, nil
}

// idHeaders returns the names of the headers of s that carry its id (none
// for a scheme that carries the id only in the signed body).
func (s *signed) idHeaders() []string {
	var names []string
	for k, v := range s.header {
		if len(v) == 1 && v[0] == s.id && !strings.EqualFold(k, "Content-Type") {
			names = append(names, k)
		}
	}
	return names
}
