package standardwebhooks

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/internal/authkit"
)

// SignerOptions configures a [Signer]. The zero value gives the defaults; a
// nil *SignerOptions is the same as the zero value.
type SignerOptions struct {
	// SvixHeaders makes [Signer.SignHeaders] set svix-id, svix-timestamp and
	// svix-signature instead of the webhook-* headers, for receivers built
	// on older libraries. Default: false.
	SvixHeaders bool
}

// Signer makes Standard Webhooks signatures: "v1" with "whsec_" HMAC secrets
// and "v1a" with "whsk_" ed25519 private keys. It implements
// [webhook.HeaderSigner], so a [webhook] Sender can deliver in this format.
//
// Build one with [NewSigner]; the zero value is not usable. A Signer is safe
// for concurrent use, and printing it shows how many keys it holds, never
// their bytes.
type Signer struct {
	macs  *authkit.MACPool
	privs []ed25519.PrivateKey
	order []bool // order[i]: key i is ed25519; signatures follow the keys' order
	svix  bool
}

// NewSigner returns a Signer that signs with every one of keys, each a
// "whsec_" HMAC secret or a "whsk_" ed25519 private key (a string without a
// prefix is read as a base64 HMAC secret): one signature per key, so during a
// rotation every receiver finds one it can check. The keys are copied.
//
// It returns an error wrapping [webhook.ErrNoSecret] without keys,
// [webhook.ErrInvalidSecret] for a key that does not decode or for a "whpk_"
// public key (which cannot sign), and [webhook.ErrSecretTooShort] for an
// HMAC secret under [webhook.MinSecretLen] bytes. Errors never contain key
// material.
func NewSigner(keys []string, opts *SignerOptions) (*Signer, error) {
	var o SignerOptions
	if opts != nil {
		o = *opts
	}
	if len(keys) == 0 {
		return nil, webhook.ErrNoSecret
	}
	s := &Signer{svix: o.SvixHeaders}
	var secrets [][]byte
	for i, str := range keys {
		k, err := parseKey(i, str)
		if err != nil {
			return nil, err
		}
		switch {
		case k.priv != nil:
			s.privs = append(s.privs, k.priv)
			s.order = append(s.order, true)
		case k.pub != nil:
			return nil, fmt.Errorf("%w: key %d is a whpk_ public key, which cannot sign", webhook.ErrInvalidSecret, i)
		default:
			secrets = append(secrets, k.secret)
			s.order = append(s.order, false)
		}
	}
	s.macs = authkit.NewMACPool(secrets)
	return s, nil
}

// Sign returns the webhook-signature value for message id with body, signed
// at ts: space-separated "v1,<base64>" and "v1a,<base64>" entries, one per
// key. It returns [ErrInvalidID] for an empty id or one over [MaxIDLen]
// bytes.
func (s *Signer) Sign(id string, ts time.Time, body []byte) (string, error) {
	b, err := s.AppendSign(make([]byte, 0, len(s.order)*(len("v1a,")+v1aLen+1)), id, ts, body)
	return string(b), err
}

// AppendSign is like [Signer.Sign] but appends the value to dst and returns
// the extended slice. With enough capacity in dst and HMAC keys only, it does
// not allocate.
func (s *Signer) AppendSign(dst []byte, id string, ts time.Time, body []byte) ([]byte, error) {
	if id == "" || len(id) > MaxIDLen {
		return dst, ErrInvalidID
	}
	var tsBuf [20]byte
	t := strconv.AppendInt(tsBuf[:0], ts.Unix(), 10)
	set := s.macs.Get()
	defer s.macs.Put(set)
	var msg *[]byte
	if len(s.privs) > 0 {
		msg = getMsg(id, string(t), body)
		defer putMsg(msg)
	}
	p := prefix(set.Buf[:], id, string(t))
	nm, ne := 0, 0
	for i, ed := range s.order {
		if i > 0 {
			dst = append(dst, ' ')
		}
		if ed {
			sig := ed25519.Sign(s.privs[ne], *msg)
			ne++
			dst = append(dst, "v1a,"...)
			dst = base64.StdEncoding.AppendEncode(dst, sig)
			continue
		}
		m := set.MACs[nm]
		nm++
		m.Reset()
		m.Write(p)
		m.Write(body)
		dst = append(dst, "v1,"...)
		dst = base64.StdEncoding.AppendEncode(dst, m.Sum(set.Sum[:0]))
	}
	return dst, nil
}

// SignHeaders implements [webhook.HeaderSigner]: it sets webhook-id,
// webhook-timestamp and webhook-signature (or their svix-* forms) in h for
// body signed at ts, and Content-Type to application/json unless h already
// has one. It returns [ErrInvalidID] for an empty or over-long id.
func (s *Signer) SignHeaders(h http.Header, id string, ts time.Time, body []byte) error {
	sig, err := s.Sign(id, ts, body)
	if err != nil {
		return err
	}
	idH, tsH, sigH := IDHeader, TimestampHeader, SignatureHeader
	if s.svix {
		idH, tsH, sigH = SvixIDHeader, SvixTimestampHeader, SvixSignatureHeader
	}
	h.Set(idH, id)
	h.Set(tsH, strconv.FormatInt(ts.Unix(), 10))
	h.Set(sigH, sig)
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	return nil
}

// TypeField implements [webhook.TypeFielder]: a [webhook.Sender] using s
// sends [webhook.Message.Data] as {"id": ..., "type": ..., "data": ...},
// the payload shape the Standard Webhooks specification describes.
func (s *Signer) TypeField() string { return "type" }

// String describes s without revealing its keys.
func (s *Signer) String() string {
	return fmt.Sprintf("standardwebhooks.Signer{secrets: %d, privateKeys: %d}", s.macs.Len(), len(s.privs))
}

// GoString describes s without revealing its keys.
func (s *Signer) GoString() string { return s.String() }
