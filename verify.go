package webhook

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/signedhooks/webhook/internal/authkit"
	"github.com/signedhooks/webhook/internal/sigheader"
)

// Defaults used by [NewVerifier] for zero option fields.
const (
	// DefaultTolerance is how far a signed timestamp may be from the
	// verifier's clock, in either direction. The scheme packages use it too.
	DefaultTolerance = authkit.DefaultTolerance

	// DefaultMaxBodyBytes is the largest body a verifier reads.
	DefaultMaxBodyBytes = 1 << 20
)

// VerifierOptions configures a [Verifier]. The zero value gives the
// defaults; a nil *VerifierOptions is the same as the zero value. The options
// are copied by [NewVerifier]: later changes have no effect.
type VerifierOptions struct {
	// AdditionalSecrets are accepted too. During a rotation, configure the new
	// secret and keep the old one here until senders have switched; a request
	// verifies when any of its signatures matches any secret.
	AdditionalSecrets [][]byte

	// Tolerance is how far the signed timestamp may lie from Now, in the past
	// or in the future. Default: [DefaultTolerance] (5 minutes). Negative
	// values are an error.
	Tolerance time.Duration

	// InsecureSkipTimestampCheck turns off the timestamp check entirely, so a
	// captured request stays valid forever. Use it only to check old
	// deliveries by hand, never in a server.
	InsecureSkipTimestampCheck bool

	// Now returns the current time. Default: time.Now.
	Now func() time.Time

	// MaxBodyBytes is the largest body [Verifier.VerifyRequest] reads.
	// Default: [DefaultMaxBodyBytes] (1 MiB). Negative values are an error.
	MaxBodyBytes int64

	// SignatureHeader names the header holding the signature.
	// Default: [SignatureHeader].
	SignatureHeader string

	// IDHeader names the header holding the message id.
	// Default: [IDHeader].
	IDHeader string
}

// Verifier checks signature headers. Build one with [NewVerifier]; it is safe
// for concurrent use and holds its secrets privately: printing a Verifier
// shows how many secrets it has, never their bytes.
type Verifier struct {
	macs      *authkit.MACPool
	clock     authkit.Clock
	maxBody   int64
	sigHeader string // canonical form
	idHeader  string // canonical form
}

// NewVerifier returns a Verifier that accepts signatures made with secret or
// with any of opts.AdditionalSecrets. The secrets are copied. It returns an
// error wrapping [ErrSecretTooShort] for a secret shorter than
// [MinSecretLen] bytes, and an error for negative option values.
func NewVerifier(secret []byte, opts *VerifierOptions) (*Verifier, error) {
	var o VerifierOptions
	if opts != nil {
		o = *opts
	}
	secrets, err := checkSecrets(secret, o.AdditionalSecrets)
	if err != nil {
		return nil, err
	}
	clock, err := authkit.NewClock("webhook", o.Tolerance, o.InsecureSkipTimestampCheck, o.Now)
	if err != nil {
		return nil, err
	}
	if o.MaxBodyBytes < 0 {
		return nil, errors.New("webhook: negative MaxBodyBytes")
	}
	v := &Verifier{
		macs:      authkit.NewMACPool(secrets),
		clock:     clock,
		maxBody:   o.MaxBodyBytes,
		sigHeader: http.CanonicalHeaderKey(orDefault(o.SignatureHeader, SignatureHeader)),
		idHeader:  http.CanonicalHeaderKey(orDefault(o.IDHeader, IDHeader)),
	}
	if v.maxBody == 0 {
		v.maxBody = DefaultMaxBodyBytes
	}
	return v, nil
}

// Verify checks that header (the value of the signature header) holds a
// signature of body made with one of the verifier's secrets, and that its
// timestamp is within the tolerance. The signature is checked first, so a
// stranger learns nothing about the clock. Verify does not allocate when the
// signature is valid.
//
// The error, when not nil, matches one of [ErrMissingSignature],
// [ErrInvalidHeader], [ErrNoMatchingSignature], [ErrTimestampTooOld] or
// [ErrTimestampTooNew] with [errors.Is].
func (v *Verifier) Verify(header string, body []byte) error {
	var h sigheader.Header
	if err := v.parse(header, &h); err != nil {
		return err
	}
	_, err := v.check(&h, body)
	return err
}

// VerifyRequest verifies r: it reads the body (at most MaxBodyBytes), checks
// the signature header against it, and replaces r.Body with a reader over the
// same bytes so the next handler can read it again. It returns the body.
//
// Besides the errors of [Verifier.Verify] it returns [ErrBodyTooLarge] when
// the body is over the limit, or the read error. A malformed or missing
// header is reported before the body is read.
func (v *Verifier) VerifyRequest(r *http.Request) ([]byte, error) {
	var h sigheader.Header
	if err := v.parse(v.header(r), &h); err != nil {
		return nil, err
	}
	body, err := readBody(r, v.maxBody)
	if err != nil {
		return nil, err
	}
	if _, err := v.check(&h, body); err != nil {
		return body, err
	}
	return body, nil
}

// Authenticate implements [Authenticator] for the middleware: it verifies
// the signature header of r against body (already read, under the caller's
// limit) and returns the message id from the id header, the signed
// timestamp, and the matching signature as the replay fingerprint.
func (v *Verifier) Authenticate(r *http.Request, body []byte) (Authenticated, error) {
	var h sigheader.Header
	if err := v.parse(v.header(r), &h); err != nil {
		return Authenticated{}, err
	}
	j, err := v.check(&h, body)
	if err != nil {
		return Authenticated{}, err
	}
	var fp [2 * sigheader.SigSize]byte
	hex.Encode(fp[:], h.Sigs[j][:])
	a := Authenticated{
		Timestamp:   h.Time(),
		Fingerprint: string(fp[:]),
	}
	if ids := r.Header[v.idHeader]; len(ids) > 0 {
		a.ID = ids[0]
	}
	a.ReplayWindow = v.clock.ReplayWindow()
	return a, nil
}

// MaxBodyBytes returns the body limit the verifier was configured with.
func (v *Verifier) MaxBodyBytes() int64 { return v.maxBody }

// header returns the first value of the signature header.
func (v *Verifier) header(r *http.Request) string {
	if vals := r.Header[v.sigHeader]; len(vals) > 0 {
		return vals[0]
	}
	return ""
}

func (v *Verifier) parse(header string, h *sigheader.Header) error {
	return authkit.ParseHeader(header, sigheader.NativeKey, h)
}

// check verifies a parsed header against body and returns the index into
// h.Sigs of the matching signature.
func (v *Verifier) check(h *sigheader.Header, body []byte) (int, error) {
	set := v.macs.Get()
	match := set.Match(set.TimestampPrefix(h.TS), body, h.Sigs[:h.N])
	v.macs.Put(set)
	if match < 0 {
		return -1, ErrNoMatchingSignature
	}
	return match, v.clock.Check(h.Unix)
}

// String describes v without revealing its secrets.
func (v *Verifier) String() string {
	return fmt.Sprintf("webhook.Verifier{secrets: %d, tolerance: %s}", v.macs.Len(), v.clock.Tolerance)
}

// GoString describes v without revealing its secrets.
func (v *Verifier) GoString() string { return v.String() }
