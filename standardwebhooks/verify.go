package standardwebhooks

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/internal/authkit"
)

// Header names, canonical as net/http stores them. A request carries either
// the webhook-* set or, from older senders, the svix-* set.
const (
	IDHeader        = "Webhook-Id"
	TimestampHeader = "Webhook-Timestamp"
	SignatureHeader = "Webhook-Signature"

	SvixIDHeader        = "Svix-Id"
	SvixTimestampHeader = "Svix-Timestamp"
	SvixSignatureHeader = "Svix-Signature"
)

// VerifierOptions configures a [Verifier]. The zero value gives the
// defaults; a nil *VerifierOptions is the same as the zero value. The options
// are copied by [NewVerifier]: later changes have no effect.
type VerifierOptions struct {
	// Tolerance is how far the signed timestamp may lie from Now, in the past
	// or in the future. Default: [webhook.DefaultTolerance] (5 minutes).
	// Negative values are an error.
	Tolerance time.Duration

	// InsecureSkipTimestampCheck turns off the timestamp check entirely, so a
	// captured request stays valid forever. Use it only to check old
	// deliveries by hand, never in a server.
	InsecureSkipTimestampCheck bool

	// Now returns the current time. Default: time.Now.
	Now func() time.Time
}

// Verifier checks Standard Webhooks signatures: "v1" (HMAC-SHA256 with a
// "whsec_" secret) and "v1a" (ed25519, checked with a "whpk_" public key). It
// implements [webhook.Authenticator], so [webhook] middleware can serve
// Standard Webhooks senders unchanged.
//
// Build one with [NewVerifier]; the zero value is not usable. A Verifier is
// safe for concurrent use, and printing it shows how many keys it holds,
// never their bytes.
type Verifier struct {
	macs  *authkit.MACPool
	pubs  []ed25519.PublicKey
	clock authkit.Clock
}

// NewVerifier returns a Verifier that accepts a request signed with any of
// keys, each a "whsec_" HMAC secret or a "whpk_" ed25519 public key (a string
// without a prefix is read as a base64 HMAC secret). Give several keys while
// rotating. The keys are copied.
//
// It returns an error wrapping [webhook.ErrNoSecret] without keys,
// [webhook.ErrInvalidSecret] for a key that does not decode,
// [webhook.ErrSecretTooShort] for an HMAC secret under
// [webhook.MinSecretLen] bytes, [ErrPrivateKeyForVerifier] for a "whsk_"
// key, and an error for negative option values. Errors never contain key
// material.
func NewVerifier(keys []string, opts *VerifierOptions) (*Verifier, error) {
	var o VerifierOptions
	if opts != nil {
		o = *opts
	}
	if len(keys) == 0 {
		return nil, webhook.ErrNoSecret
	}
	var secrets [][]byte
	var pubs []ed25519.PublicKey
	for i, s := range keys {
		k, err := parseKey(i, s)
		if err != nil {
			return nil, err
		}
		switch {
		case k.priv != nil:
			return nil, fmt.Errorf("%w (key %d)", ErrPrivateKeyForVerifier, i)
		case k.pub != nil:
			pubs = append(pubs, k.pub)
		default:
			secrets = append(secrets, k.secret)
		}
	}
	clock, err := authkit.NewClock("standardwebhooks", o.Tolerance, o.InsecureSkipTimestampCheck, o.Now)
	if err != nil {
		return nil, err
	}
	return &Verifier{macs: authkit.NewMACPool(secrets), pubs: pubs, clock: clock}, nil
}

// Verify checks that h holds a Standard Webhooks signature of body made with
// one of the verifier's keys, and that its timestamp is within the
// tolerance. h is looked up by canonical keys, as net/http and
// [http.Header.Set] store them; the webhook-* set is used when it has a
// signature, the svix-* set otherwise. The signature is checked first, so a
// stranger learns nothing about the clock. Verify does not allocate when the
// signature is valid (ed25519 needs the signed content in one piece; it is
// assembled in a pooled buffer).
//
// Checking costs one HMAC pass over the body per HMAC secret, plus one
// ed25519 verification per v1a entry (at most [MaxSignatures]) and public
// key, whatever the request.
//
// The error, when not nil, matches one of [webhook.ErrMissingSignature] (no
// signature header), [webhook.ErrInvalidHeader] (no id or timestamp, or a
// header over the bounds, or an undecodable signature),
// [webhook.ErrNoMatchingSignature], [webhook.ErrTimestampTooOld] or
// [webhook.ErrTimestampTooNew] with [errors.Is].
func (v *Verifier) Verify(h http.Header, body []byte) error {
	var s sigs
	_, err := v.verify(h, body, &s)
	return err
}

// Authenticate implements [webhook.Authenticator]: it verifies r's headers
// against body and returns the webhook-id (signed, so trustworthy as the
// idempotency key), the signed timestamp and the matching signature as the
// replay fingerprint. Type is left empty: Standard Webhooks carries the
// event type in the JSON body's "type" field.
func (v *Verifier) Authenticate(r *http.Request, body []byte) (webhook.Authenticated, error) {
	var s sigs
	m, err := v.verify(r.Header, body, &s)
	if err != nil {
		return webhook.Authenticated{}, err
	}
	var fp []byte
	if m.ed {
		fp = s.ed[m.idx][:]
	} else {
		fp = s.hmac[m.idx][:]
	}
	return webhook.Authenticated{
		ID:           m.id,
		Timestamp:    time.Unix(m.unix, 0),
		Fingerprint:  hex.EncodeToString(fp),
		ReplayWindow: v.clock.ReplayWindow(),
	}, nil
}

// match is what a successful verification learned.
type match struct {
	id   string
	unix int64
	idx  int  // index of the matching signature in sigs
	ed   bool // whether it is a v1a signature
}

// verify checks h and body, parsing the signatures into s.
func (v *Verifier) verify(h http.Header, body []byte, s *sigs) (match, error) {
	idH, tsH, sigH := IDHeader, TimestampHeader, SignatureHeader
	if len(h[sigH]) == 0 {
		idH, tsH, sigH = SvixIDHeader, SvixTimestampHeader, SvixSignatureHeader
	}
	vals := h[sigH]
	if len(vals) == 0 || vals[0] == "" {
		return match{}, webhook.ErrMissingSignature
	}
	if len(vals) > 1 || len(h[idH]) > 1 || len(h[tsH]) > 1 {
		return match{}, invalid(errRepeated)
	}
	id, ts, sig := first(h, idH), first(h, tsH), vals[0]
	if id == "" || len(id) > MaxIDLen {
		return match{}, invalid(errBadID)
	}
	unix, ok := authkit.ParseUnix(ts)
	if !ok {
		return match{}, invalid(errBadTimestamp)
	}
	if err := parseSignatures(sig, s); err != nil {
		return match{}, invalid(err)
	}
	m := match{id: id, unix: unix, idx: v.checkHMAC(s, id, ts, body)}
	if m.idx < 0 {
		m.idx, m.ed = v.checkEd25519(s, id, ts, body), true
	}
	if m.idx < 0 {
		return match{}, webhook.ErrNoMatchingSignature
	}
	if err := v.clock.Check(unix); err != nil {
		return match{}, err
	}
	return m, nil
}

// checkHMAC returns the index of a v1 signature made with one of the
// secrets, or -1.
func (v *Verifier) checkHMAC(s *sigs, id, ts string, body []byte) int {
	if s.nh == 0 || v.macs.Len() == 0 {
		return -1
	}
	set := v.macs.Get()
	match := set.Match(prefix(set.Buf[:], id, ts), body, s.hmac[:s.nh])
	v.macs.Put(set)
	return match
}

// checkEd25519 returns the index of a v1a signature made by one of the
// public keys, or -1.
func (v *Verifier) checkEd25519(s *sigs, id, ts string, body []byte) int {
	if s.ne == 0 || len(v.pubs) == 0 {
		return -1
	}
	msg := getMsg(id, ts, body)
	defer putMsg(msg)
	for _, pub := range v.pubs {
		for j := 0; j < s.ne; j++ {
			if ed25519.Verify(pub, *msg, s.ed[j][:]) {
				return j
			}
		}
	}
	return -1
}

var (
	errRepeated     = errors.New("a webhook header appears more than once")
	errBadID        = errors.New("webhook-id missing or longer than 256 bytes")
	errBadTimestamp = errors.New("webhook-timestamp is not a unix time in seconds")
)

func invalid(err error) error { return fmt.Errorf("%w: %v", webhook.ErrInvalidHeader, err) }

func first(h http.Header, name string) string {
	if vals := h[name]; len(vals) > 0 {
		return vals[0]
	}
	return ""
}

// String describes v without revealing its keys.
func (v *Verifier) String() string {
	return fmt.Sprintf("standardwebhooks.Verifier{secrets: %d, publicKeys: %d, tolerance: %s}", v.macs.Len(), len(v.pubs), v.clock.Tolerance)
}

// GoString describes v without revealing its keys.
func (v *Verifier) GoString() string { return v.String() }
