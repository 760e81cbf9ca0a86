package githubsig

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/internal/authkit"
	"github.com/signedhooks/webhook/internal/sigheader"
)

// Header names, canonical as net/http stores them.
const (
	SignatureHeader = "X-Hub-Signature-256"
	DeliveryHeader  = "X-Github-Delivery"
	EventHeader     = "X-Github-Event"
)

// Bounds on the unsigned headers a sender controls. A longer delivery id or
// event name is rejected with an error matching [webhook.ErrInvalidHeader].
const (
	MaxDeliveryLen = 128
	MaxEventLen    = 128
)

const prefix = "sha256="

var (
	errBadSignature = errors.New(`X-Hub-Signature-256 is not "sha256=" and 64 hex digits`)
	errRepeated     = errors.New("a GitHub header appears more than once")
	errBadDelivery  = errors.New("X-GitHub-Delivery longer than 128 bytes")
	errBadEvent     = errors.New("X-GitHub-Event longer than 128 bytes")
)

// VerifierOptions configures a [Verifier]. The zero value gives the
// defaults; a nil *VerifierOptions is the same as the zero value.
type VerifierOptions struct {
	// ReplayWindow is how long the middleware's replay guard should remember
	// a signature, returned in [webhook.Authenticated]. GitHub signs no
	// timestamp, so a captured delivery verifies forever and only this memory
	// (and idempotency on the delivery id) stops a replay. Default: 0, which
	// lets the middleware choose.
	ReplayWindow time.Duration

	// AllowShortSecret accepts secrets shorter than [webhook.MinSecretLen]
	// bytes. GitHub lets a webhook's secret have any length, and the
	// receiver cannot always change it; a short secret can be guessed
	// offline from one captured delivery, so set this only for a secret you
	// cannot replace, and replace it when you can. An empty secret is still
	// refused: GitHub signs nothing without one. Default: false, and a
	// secret under [webhook.MinSecretLen] bytes is refused with an error
	// that wraps [webhook.ErrSecretTooShort] and names this option.
	AllowShortSecret bool
}

// Verifier checks GitHub's X-Hub-Signature-256. It implements
// [webhook.Authenticator]. Build one with [NewVerifier]; the zero value is
// not usable. A Verifier is safe for concurrent use, and printing it shows
// how many secrets it holds, never their bytes.
type Verifier struct {
	macs   *authkit.MACPool
	replay time.Duration
}

// NewVerifier returns a Verifier that accepts signatures made with any of
// secrets, each used as the raw HMAC key exactly as typed into GitHub. Give
// several while changing the secret. The secrets are copied.
//
// It returns an error wrapping [webhook.ErrNoSecret] without secrets and
// [webhook.ErrSecretTooShort] for one under [webhook.MinSecretLen] bytes
// (GitHub accepts shorter ones; they are too easy to guess, see
// [VerifierOptions.AllowShortSecret]) or an empty one, and an error for a
// negative ReplayWindow. Errors never contain secrets.
func NewVerifier(secrets []string, opts *VerifierOptions) (*Verifier, error) {
	var o VerifierOptions
	if opts != nil {
		o = *opts
	}
	keys, err := rawSecrets(secrets, o.AllowShortSecret)
	if err != nil {
		return nil, err
	}
	if o.ReplayWindow < 0 {
		return nil, errors.New("githubsig: negative ReplayWindow")
	}
	return &Verifier{macs: authkit.NewMACPool(keys), replay: o.ReplayWindow}, nil
}

// rawSecrets checks secrets and returns private copies of their bytes. By
// default each needs [webhook.MinSecretLen] bytes, and the error says which
// option accepts a shorter one; with allowShort only an empty secret is
// refused.
func rawSecrets(secrets []string, allowShort bool) ([][]byte, error) {
	if !allowShort {
		keys, err := authkit.RawSecrets(secrets)
		if errors.Is(err, webhook.ErrSecretTooShort) {
			return nil, fmt.Errorf("%w (GitHub allows it: set githubsig.VerifierOptions.AllowShortSecret to accept it)", err)
		}
		return keys, err
	}
	if len(secrets) == 0 {
		return nil, webhook.ErrNoSecret
	}
	keys := make([][]byte, len(secrets))
	for i, s := range secrets {
		if s == "" {
			return nil, emptySecret(i)
		}
		keys[i] = []byte(s)
	}
	return keys, nil
}

// Verify checks that header (the X-Hub-Signature-256 value) is an
// HMAC-SHA256 of body made with one of the verifier's secrets. It does not
// allocate when the signature is valid.
//
// The error, when not nil, matches [webhook.ErrMissingSignature] (empty
// header), [webhook.ErrInvalidHeader] (not "sha256=" and 64 hex digits,
// upper or lower case) or [webhook.ErrNoMatchingSignature] with
// [errors.Is].
func (v *Verifier) Verify(header string, body []byte) error {
	var sig [1][sha256.Size]byte
	return v.verify(header, body, &sig)
}

// Authenticate implements [webhook.Authenticator]: it verifies the
// X-Hub-Signature-256 header of r against body and returns the
// X-GitHub-Delivery id as ID (GitHub keeps it across redeliveries), the
// X-GitHub-Event name as Type, and the signature as the replay fingerprint.
// Timestamp is zero: GitHub signs none. Besides the errors of
// [Verifier.Verify], a repeated GitHub header or an over-long delivery id or
// event name gives an error matching [webhook.ErrInvalidHeader].
func (v *Verifier) Authenticate(r *http.Request, body []byte) (webhook.Authenticated, error) {
	sigs, ids, events := r.Header[SignatureHeader], r.Header[DeliveryHeader], r.Header[EventHeader]
	if len(sigs) == 0 {
		return webhook.Authenticated{}, webhook.ErrMissingSignature
	}
	if len(sigs) > 1 || len(ids) > 1 || len(events) > 1 {
		return webhook.Authenticated{}, invalid(errRepeated)
	}
	var sig [1][sha256.Size]byte
	if err := v.verify(sigs[0], body, &sig); err != nil {
		return webhook.Authenticated{}, err
	}
	a := webhook.Authenticated{Fingerprint: hex.EncodeToString(sig[0][:]), ReplayWindow: v.replay}
	if len(ids) == 1 {
		if len(ids[0]) > MaxDeliveryLen {
			return webhook.Authenticated{}, invalid(errBadDelivery)
		}
		a.ID = ids[0]
	}
	if len(events) == 1 {
		if len(events[0]) > MaxEventLen {
			return webhook.Authenticated{}, invalid(errBadEvent)
		}
		a.Type = events[0]
	}
	return a, nil
}

// verify decodes header into sig, the one signature GitHub sends, and
// checks it against body.
func (v *Verifier) verify(header string, body []byte, sig *[1][sha256.Size]byte) error {
	if header == "" {
		return webhook.ErrMissingSignature
	}
	if len(header) != len(prefix)+2*sha256.Size || header[:len(prefix)] != prefix ||
		!sigheader.DecodeHex(sig[0][:], header[len(prefix):]) {
		return invalid(errBadSignature)
	}
	set := v.macs.Get()
	match := set.Match(nil, body, sig[:])
	v.macs.Put(set)
	if match < 0 {
		return webhook.ErrNoMatchingSignature
	}
	return nil
}

// emptySecret is the one check left with AllowShortSecret: GitHub signs
// nothing with an empty secret.
func emptySecret(i int) error {
	return fmt.Errorf("%w: secret %d is empty", webhook.ErrSecretTooShort, i)
}

func invalid(err error) error { return fmt.Errorf("%w: %v", webhook.ErrInvalidHeader, err) }

// String describes v without revealing its secrets.
func (v *Verifier) String() string {
	return fmt.Sprintf("githubsig.Verifier{secrets: %d}", v.macs.Len())
}

// GoString describes v without revealing its secrets.
func (v *Verifier) GoString() string { return v.String() }
