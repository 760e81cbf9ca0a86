package stripesig

import (
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/internal/authkit"
	"github.com/signedhooks/webhook/internal/jsonfield"
	"github.com/signedhooks/webhook/internal/sigheader"
)

// SignatureHeader is the header Stripe signs with.
const SignatureHeader = "Stripe-Signature"

// VerifierOptions configures a [Verifier]. The zero value gives the
// defaults; a nil *VerifierOptions is the same as the zero value. The options
// are copied by [NewVerifier]: later changes have no effect.
type VerifierOptions struct {
	// Tolerance is how far the signed timestamp may lie from Now, in the past
	// or in the future. Default: [webhook.DefaultTolerance] (5 minutes, as
	// Stripe's own library, which checks only the past). Negative values are
	// an error.
	Tolerance time.Duration

	// InsecureSkipTimestampCheck turns off the timestamp check entirely, so a
	// captured request stays valid forever. Use it only to check old
	// deliveries by hand, never in a server.
	InsecureSkipTimestampCheck bool

	// Now returns the current time. Default: time.Now.
	Now func() time.Time

	// SignatureHeader names the header holding the signature, for providers
	// that use this format under another name. Default: [SignatureHeader].
	SignatureHeader string
}

// Verifier checks Stripe-style signatures: "t=<unix>,v1=<hex>" where v1 is
// HMAC-SHA256 over "<t>.<body>". It implements [webhook.Authenticator], so
// [webhook] middleware can serve Stripe deliveries unchanged.
//
// Build one with [NewVerifier]; the zero value is not usable. A Verifier is
// safe for concurrent use, and printing it shows how many secrets it holds,
// never their bytes.
type Verifier struct {
	macs      *authkit.MACPool
	clock     authkit.Clock
	sigHeader string
}

// NewVerifier returns a Verifier that accepts signatures made with any of
// secrets. Each is used exactly as Stripe shows it, "whsec_..." included: the
// whole string is the HMAC key (it is not base64-decoded). Give several while
// rolling a secret. The secrets are copied.
//
// It returns an error wrapping [webhook.ErrNoSecret] without secrets,
// [webhook.ErrSecretTooShort] for one under [webhook.MinSecretLen] bytes, and
// an error for negative option values. Errors never contain secrets.
func NewVerifier(secrets []string, opts *VerifierOptions) (*Verifier, error) {
	var o VerifierOptions
	if opts != nil {
		o = *opts
	}
	keys, err := authkit.RawSecrets(secrets)
	if err != nil {
		return nil, err
	}
	clock, err := authkit.NewClock("stripesig", o.Tolerance, o.InsecureSkipTimestampCheck, o.Now)
	if err != nil {
		return nil, err
	}
	sigHeader := SignatureHeader
	if o.SignatureHeader != "" {
		sigHeader = o.SignatureHeader
	}
	return &Verifier{
		macs:      authkit.NewMACPool(keys),
		clock:     clock,
		sigHeader: http.CanonicalHeaderKey(sigHeader),
	}, nil
}

// Verify checks that header (the Stripe-Signature value) holds a signature of
// body made with one of the verifier's secrets, and that its timestamp is
// within the tolerance, in the past or in the future. The signature is
// checked first, so a stranger learns nothing about the clock. Verify does
// not allocate when the signature is valid.
//
// The error, when not nil, matches one of [webhook.ErrMissingSignature],
// [webhook.ErrInvalidHeader] (no t, a repeated t, no v1, a v1 that is not 64
// hex digits, a header over the bounds), [webhook.ErrNoMatchingSignature],
// [webhook.ErrTimestampTooOld] or [webhook.ErrTimestampTooNew] with
// [errors.Is].
func (v *Verifier) Verify(header string, body []byte) error {
	var h sigheader.Header
	_, err := v.verify(header, body, &h)
	return err
}

// Authenticate implements [webhook.Authenticator]. Stripe signs no id header:
// the event id ("evt_...") and type are top-level fields of the signed JSON
// body, so Authenticate reads them from there with a scan that does not
// decode the body, and returns them as ID and Type (empty when absent),
// with the signed timestamp and the matching signature as the replay
// fingerprint. Stripe keeps an event's id across its retries, so it is the
// right idempotency key.
func (v *Verifier) Authenticate(r *http.Request, body []byte) (webhook.Authenticated, error) {
	var h sigheader.Header
	j, err := v.verify(first(r.Header, v.sigHeader), body, &h)
	if err != nil {
		return webhook.Authenticated{}, err
	}
	id, _ := jsonfield.Find(body, idField)
	typ, _ := jsonfield.Find(body, typeField)
	return webhook.Authenticated{
		ID:           id,
		Type:         typ,
		Timestamp:    h.Time(),
		Fingerprint:  hex.EncodeToString(h.Sigs[j][:]),
		ReplayWindow: v.clock.ReplayWindow(),
	}, nil
}

// verify parses header into h, checks it against body and returns the index
// of the matching signature.
func (v *Verifier) verify(header string, body []byte, h *sigheader.Header) (int, error) {
	if err := authkit.ParseHeader(header, sigheader.StripeKey, h); err != nil {
		return -1, err
	}
	set := v.macs.Get()
	match := set.Match(set.TimestampPrefix(h.TS), body, h.Sigs[:h.N])
	v.macs.Put(set)
	if match < 0 {
		return -1, webhook.ErrNoMatchingSignature
	}
	return match, v.clock.Check(h.Unix)
}

// The top-level fields of a Stripe event that Authenticate reads.
var (
	idField   = []string{"id"}
	typeField = []string{"type"}
)

func first(h http.Header, name string) string {
	if vals := h[name]; len(vals) > 0 {
		return vals[0]
	}
	return ""
}

// String describes v without revealing its secrets.
func (v *Verifier) String() string {
	return fmt.Sprintf("stripesig.Verifier{secrets: %d, tolerance: %s}", v.macs.Len(), v.clock.Tolerance)
}

// GoString describes v without revealing its secrets.
func (v *Verifier) GoString() string { return v.String() }
