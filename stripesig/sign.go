package stripesig

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"hash"
	"net/http"
	"time"

	"github.com/signedhooks/webhook/internal/authkit"
	"github.com/signedhooks/webhook/internal/sigheader"
)

// SignerOptions configures a [Signer]. The zero value gives the defaults; a
// nil *SignerOptions is the same as the zero value. The options are copied
// by [NewSigner]: later changes have no effect.
type SignerOptions struct {
	// SignatureHeader names the header [Signer.SignHeaders] sets, for
	// receivers that take this format under another name. Default:
	// [SignatureHeader].
	SignatureHeader string
}

// Signer makes Stripe-Signature values: "t=<unix>,v1=<hex>" with one v1
// entry per secret, each HMAC-SHA256 over "<t>.<body>". It implements
// [webhook.HeaderSigner], so a [webhook.Sender] can deliver in this format,
// and [webhook.TypeFielder]: the Sender's envelope is then
// {"id": ..., "type": ..., "data": ...}, whose top-level id and type are
// where Stripe puts them and where [Verifier] reads them.
//
// Build one with [NewSigner]; the zero value is not usable. A Signer is safe
// for concurrent use, and printing it shows how many secrets it holds, never
// their bytes.
type Signer struct {
	macs      *authkit.MACPool
	sigHeader string // canonical form
}

// NewSigner returns a Signer that signs with every one of secrets, each
// used exactly as given, "whsec_..." included, as the raw HMAC key: one v1
// entry per secret, so that during a rotation every receiver finds one it
// can check. The secrets are copied.
//
// It returns an error wrapping [webhook.ErrNoSecret] without secrets,
// [webhook.ErrSecretTooShort] for one under [webhook.MinSecretLen] bytes,
// and an error for more than [MaxSignatures] secrets, whose header no
// [Verifier] would accept. Errors never contain secrets.
func NewSigner(secrets []string, opts *SignerOptions) (*Signer, error) {
	var o SignerOptions
	if opts != nil {
		o = *opts
	}
	keys, err := authkit.RawSecrets(secrets)
	if err != nil {
		return nil, err
	}
	if len(keys) > MaxSignatures {
		return nil, fmt.Errorf("stripesig: %d secrets, at most %d fit in one header", len(keys), MaxSignatures)
	}
	sigHeader := SignatureHeader
	if o.SignatureHeader != "" {
		sigHeader = o.SignatureHeader
	}
	return &Signer{macs: authkit.NewMACPool(keys), sigHeader: http.CanonicalHeaderKey(sigHeader)}, nil
}

// Sign returns the Stripe-Signature value for body signed at ts. Its one
// allocation is the string; [Signer.AppendSign] makes none.
func (s *Signer) Sign(ts time.Time, body []byte) string {
	var buf [signBufLen]byte
	return string(s.AppendSign(buf[:0], ts, body))
}

// signBufLen fits the value of a Signer with up to three secrets; more
// spill to the heap.
const signBufLen = len("t=") + 20 + 3*(len(",v1=")+2*sha256.Size)

// AppendSign appends the Stripe-Signature value for body signed at ts to
// dst and returns the extended slice. With enough capacity in dst (14 bytes
// and 68 per secret) it does not allocate.
func (s *Signer) AppendSign(dst []byte, ts time.Time, body []byte) []byte {
	set := s.macs.Get()
	dst = authkit.AppendHeader(dst, sigheader.StripeKey, set.MACs, set.Buf[:], &set.Sum, ts, body)
	s.macs.Put(set)
	return dst
}

// SignHeaders implements [webhook.HeaderSigner]: it sets the signature
// header in h for body signed at ts, and Content-Type to application/json
// unless h already has one. Stripe's format has no id header: the id
// travels in the body, as the top-level "id" of the envelope a
// [webhook.Sender] makes of [webhook.Message.Data] (a raw Payload must carry
// its own). It never fails.
func (s *Signer) SignHeaders(h http.Header, id string, ts time.Time, body []byte) error {
	h[s.sigHeader] = []string{s.Sign(ts, body)}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	return nil
}

// TypeField implements [webhook.TypeFielder]: Stripe names an event's type
// "type".
func (s *Signer) TypeField() string { return "type" }

// String describes s without revealing its secrets.
func (s *Signer) String() string {
	return fmt.Sprintf("stripesig.Signer{secrets: %d}", s.macs.Len())
}

// GoString describes s without revealing its secrets.
func (s *Signer) GoString() string { return s.String() }

// Sign returns a Stripe-Signature value for body signed at ts:
// "t=<unix>,v1=<hex>" with one v1 entry per secret, each secret used as the
// raw HMAC key exactly as given. It is meant for tests of receivers; it
// never fails, and accepts secrets that [NewSigner] refuses. It keys a MAC
// per secret on every call: to sign many bodies, use a [Signer].
func Sign(secrets []string, ts time.Time, body []byte) string {
	macs := make([]hash.Hash, len(secrets))
	for i, s := range secrets {
		macs[i] = hmac.New(sha256.New, []byte(s))
	}
	var scratch struct {
		prefix [21]byte
		sum    [sha256.Size]byte
	}
	return string(authkit.AppendHeader(make([]byte, 0, len("t=")+20+len(secrets)*(len(",v1=")+2*sha256.Size)), sigheader.StripeKey, macs, scratch.prefix[:], &scratch.sum, ts, body))
}
