package githubsig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"net/http"
	"time"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/internal/authkit"
	"github.com/signedhooks/webhook/internal/jsonfield"
)

// SignerOptions configures a [Signer]. The zero value gives the defaults; a
// nil *SignerOptions is the same as the zero value. The options are copied
// by [NewSigner]: later changes have no effect.
type SignerOptions struct {
	// AllowShortSecret accepts a secret shorter than [webhook.MinSecretLen]
	// bytes, as [VerifierOptions.AllowShortSecret] does for the receiving
	// side: for a receiver whose secret you cannot replace. Such a secret
	// can be guessed offline from one captured delivery. An empty secret is
	// still refused. Default: false.
	AllowShortSecret bool
}

// Signer makes X-Hub-Signature-256 values, "sha256=<hex HMAC-SHA256 of the
// body>", as GitHub sends them. It implements [webhook.HeaderSigner], so a
// [webhook.Sender] can deliver in GitHub's format.
//
// GitHub's header holds one signature, so a Signer has one secret: to
// rotate, give the receiver both secrets (its Verifier accepts several),
// then switch the Signer.
//
// GitHub's format signs no timestamp, so every attempt of one message
// carries the same signature. A receiver with a replay guard
// ([webhook.Middleware] included) refuses an attempt whose signature it saw
// within its replay window (409, which a Sender retries), so a retry of a
// failed delivery gets through only after that window, ten minutes by
// default: give the Sender a retry policy that reaches past it, or prefer a
// timestamped scheme for deliveries of your own.
//
// Build one with [NewSigner]; the zero value is not usable. A Signer is safe
// for concurrent use, and printing it never shows its secret.
type Signer struct {
	macs *authkit.MACPool
}

// NewSigner returns a Signer for secret, used as the raw HMAC key exactly as
// typed into GitHub. The secret is copied.
//
// It returns an error wrapping [webhook.ErrNoSecret] for an empty secret
// and [webhook.ErrSecretTooShort] for one under [webhook.MinSecretLen]
// bytes, unless [SignerOptions.AllowShortSecret] is set. Errors never
// contain the secret.
func NewSigner(secret string, opts *SignerOptions) (*Signer, error) {
	var o SignerOptions
	if opts != nil {
		o = *opts
	}
	if secret == "" {
		return nil, webhook.ErrNoSecret
	}
	if !o.AllowShortSecret {
		if err := authkit.CheckLen(-1, len(secret)); err != nil {
			return nil, fmt.Errorf("%w (GitHub allows it: set githubsig.SignerOptions.AllowShortSecret to accept it)", err)
		}
	}
	return &Signer{macs: authkit.NewMACPool([][]byte{[]byte(secret)})}, nil
}

// Sign returns the X-Hub-Signature-256 value for body. Its one allocation
// is the string; [Signer.AppendSign] makes none.
func (s *Signer) Sign(body []byte) string {
	var buf [signLen]byte
	return string(s.AppendSign(buf[:0], body))
}

// signLen is the length of a signature value.
const signLen = len(prefix) + 2*sha256.Size

// AppendSign appends the X-Hub-Signature-256 value for body to dst and
// returns the extended slice. With 71 bytes of capacity to spare in dst it
// does not allocate.
func (s *Signer) AppendSign(dst, body []byte) []byte {
	set := s.macs.Get()
	dst = appendSign(dst, set.MACs[0], &set.Sum, body)
	s.macs.Put(set)
	return dst
}

// SignHeaders implements [webhook.HeaderSigner]: it sets X-Hub-Signature-256
// for body, X-GitHub-Delivery to id, X-GitHub-Event to the body's top-level
// "event" field when it has one (the envelope a [webhook.Sender] makes of
// [webhook.Message.Data] puts the message type there) and h does not
// already name the event, and Content-Type to application/json unless h has
// one. GitHub signs no timestamp: ts is not used, and every attempt of one
// message carries the same signature.
//
// It returns an error wrapping [webhook.ErrInvalidMessage] for an id longer
// than [MaxDeliveryLen], which a [Verifier] would refuse.
func (s *Signer) SignHeaders(h http.Header, id string, ts time.Time, body []byte) error {
	if len(id) > MaxDeliveryLen {
		return fmt.Errorf("%w: githubsig: id of %d bytes, longer than X-GitHub-Delivery's %d", webhook.ErrInvalidMessage, len(id), MaxDeliveryLen)
	}
	h[SignatureHeader] = []string{s.Sign(body)}
	if id != "" {
		h[DeliveryHeader] = []string{id}
	}
	if len(h[EventHeader]) == 0 {
		if typ, ok := jsonfield.Find(body, eventField); ok && typ != "" && len(typ) <= MaxEventLen {
			h[EventHeader] = []string{typ}
		}
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	return nil
}

// eventField is where the Sender's envelope has the message type.
var eventField = []string{"event"}

// String describes s without revealing its secret.
func (s *Signer) String() string { return "githubsig.Signer{secrets: 1}" }

// GoString describes s without revealing its secret.
func (s *Signer) GoString() string { return s.String() }

// Sign returns the X-Hub-Signature-256 value GitHub would send for body
// with secret: "sha256=<hex HMAC-SHA256>". It is meant for tests of
// receivers; it never fails, and accepts any secret. It keys a MAC on every
// call: to sign many bodies, use a [Signer].
func Sign(secret string, body []byte) string {
	var sum [sha256.Size]byte
	return string(appendSign(make([]byte, 0, signLen), hmac.New(sha256.New, []byte(secret)), &sum, body))
}

// appendSign appends "sha256=" and the hex MAC of body to dst; sum is
// scratch space.
func appendSign(dst []byte, m hash.Hash, sum *[sha256.Size]byte, body []byte) []byte {
	m.Reset()
	m.Write(body)
	dst = append(dst, prefix...)
	return hex.AppendEncode(dst, m.Sum(sum[:0]))
}
