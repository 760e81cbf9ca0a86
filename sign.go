package webhook

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/signedhooks/webhook/internal/authkit"
	"github.com/signedhooks/webhook/internal/sigheader"
)

// Default header names of the wire format.
const (
	// SignatureHeader carries "t=<unix seconds>,s=<hex HMAC-SHA256>".
	SignatureHeader = "X-Webhook-Signature"
	// TimestampHeader repeats the signed timestamp; it is informational, the
	// "t" inside the signature header is what is verified.
	TimestampHeader = "X-Webhook-Timestamp"
	// IDHeader carries the message id, stable across retries of one message.
	IDHeader = "X-Webhook-Id"
)

// SignerOptions configures a [Signer]. The zero value gives the defaults; a
// nil *SignerOptions is the same as the zero value.
type SignerOptions struct {
	// AdditionalSecrets are signed with too, after the primary secret, each
	// giving one more "s=" entry. Use it while rotating: sign with the new and
	// the old secret until every receiver knows the new one.
	AdditionalSecrets [][]byte

	// Now returns the current time for [Signer.SignRequest]. Default: time.Now.
	Now func() time.Time

	// SignatureHeader, TimestampHeader and IDHeader name the headers that
	// [Signer.SignRequest] sets. Defaults: [SignatureHeader],
	// [TimestampHeader], [IDHeader].
	SignatureHeader string
	TimestampHeader string
	IDHeader        string
}

// Signer produces signature headers. Build one with [NewSigner]; it is safe
// for concurrent use and holds its secrets privately: printing a Signer shows
// how many secrets it has, never their bytes.
type Signer struct {
	macs      *authkit.MACPool
	now       func() time.Time
	sigHeader string // canonical form, so headers are set without Header.Set
	tsHeader  string // canonical form
	idHeader  string // canonical form
}

// NewSigner returns a Signer for secret and, optionally, the secrets in
// opts.AdditionalSecrets. The secrets are copied. It returns an error wrapping
// [ErrSecretTooShort] for any secret shorter than [MinSecretLen] bytes.
func NewSigner(secret []byte, opts *SignerOptions) (*Signer, error) {
	var o SignerOptions
	if opts != nil {
		o = *opts
	}
	secrets, err := checkSecrets(secret, o.AdditionalSecrets)
	if err != nil {
		return nil, err
	}
	s := &Signer{
		macs:      authkit.NewMACPool(secrets),
		now:       o.Now,
		sigHeader: http.CanonicalHeaderKey(orDefault(o.SignatureHeader, SignatureHeader)),
		tsHeader:  http.CanonicalHeaderKey(orDefault(o.TimestampHeader, TimestampHeader)),
		idHeader:  http.CanonicalHeaderKey(orDefault(o.IDHeader, IDHeader)),
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Sign returns the signature header value for body signed at ts:
// "t=<ts unix seconds>,s=<hex>" with one "s=" per secret.
func (s *Signer) Sign(ts time.Time, body []byte) string {
	// Signing into a stack buffer leaves one allocation, the string.
	var buf [signBufLen]byte
	return string(s.AppendSign(buf[:0], ts, body))
}

// signBufLen fits the signature header value of a Signer with up to three
// secrets; more spill to the heap.
const signBufLen = len("t=") + 20 + 3*(len(",s=")+2*32)

// AppendSign appends the signature header value for body signed at ts to dst
// and returns the extended slice. With enough capacity in dst it does not
// allocate.
func (s *Signer) AppendSign(dst []byte, ts time.Time, body []byte) []byte {
	set := s.macs.Get()
	dst = authkit.AppendHeader(dst, sigheader.NativeKey, set.MACs, set.Buf[:], &set.Sum, ts, body)
	s.macs.Put(set)
	return dst
}

// SignRequest signs r for delivery now: it reads and restores r.Body, and sets
// the signature, timestamp and id headers, and Content-Type to
// application/json unless r already has one. An empty id is replaced by a new
// one from [NewMessageID]. Retries of one message must reuse its id and call
// SignRequest again, so every attempt carries a fresh timestamp.
func (s *Signer) SignRequest(r *http.Request, id string) error {
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return fmt.Errorf("webhook: reading request body: %w", err)
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	r.ContentLength = int64(len(body))
	if id == "" {
		id = NewMessageID()
	}
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	return s.SignHeaders(r.Header, id, s.now(), body)
}

// SignHeaders implements [HeaderSigner]: it sets the signature, timestamp
// and id headers in h for body signed at ts, and Content-Type to
// application/json unless h already has one. It never fails.
func (s *Signer) SignHeaders(h http.Header, id string, ts time.Time, body []byte) error {
	s.setHeaders(h, new(headerValues), id, ts, body)
	return nil
}

// headerValues backs the values of the headers a Signer sets, and the
// Sender's User-Agent, so that they cost one allocation instead of one each.
type headerValues [5]string

// setHeaders does the work of SignHeaders, with the header values stored in
// vals. The keys are canonical already, so it assigns to the map directly,
// as Header.Set would after canonicalising; each value slice has capacity
// one, so appending to it does not touch the others.
func (s *Signer) setHeaders(h http.Header, vals *headerValues, id string, ts time.Time, body []byte) {
	sig := s.Sign(ts, body)
	vals[0] = sig
	// The timestamp header repeats the "t" of the signature: share its bytes.
	vals[1] = sig[len("t="):strings.IndexByte(sig, ',')]
	vals[2] = id
	h[s.sigHeader] = vals[0:1:1]
	h[s.tsHeader] = vals[1:2:2]
	h[s.idHeader] = vals[2:3:3]
	if v := h["Content-Type"]; len(v) == 0 || v[0] == "" {
		vals[3] = "application/json"
		h["Content-Type"] = vals[3:4:4]
	}
}

// HeaderSigner signs one delivery attempt by setting headers. [Signer]
// implements it for this package's wire format; other schemes (Standard
// Webhooks) implement it in their own packages, so the Sender can deliver in
// any of them. Implementations must be safe for concurrent use.
type HeaderSigner interface {
	// SignHeaders sets in h the headers that authenticate body as message id,
	// signed at ts. Each retry of one message calls it again with the same
	// id and a fresh ts.
	SignHeaders(h http.Header, id string, ts time.Time, body []byte) error
}

// String describes s without revealing its secrets.
func (s *Signer) String() string {
	return fmt.Sprintf("webhook.Signer{secrets: %d}", s.macs.Len())
}

// GoString describes s without revealing its secrets.
func (s *Signer) GoString() string { return s.String() }

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewMessageID returns a new random message id of the form "msg_" followed by
// 26 lower-case base32 characters (128 random bits).
func NewMessageID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand does not fail on supported platforms; if it ever does,
		// an id that is not unique would silently drop messages, so stop.
		panic("webhook: crypto/rand failed: " + err.Error())
	}
	return "msg_" + idEncoding.EncodeToString(b[:])
}

func orDefault(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}
