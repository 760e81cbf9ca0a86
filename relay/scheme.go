package relay

import (
	"net/http"
	"time"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/githubsig"
	"github.com/signedhooks/webhook/standardwebhooks"
	"github.com/signedhooks/webhook/stripesig"
)

// schemes are the values of a source's scheme key.
var schemes = []string{"native", "standard", "stripe", "github", "auto"}

// newAuthenticator returns the verifier of scheme for secret as the
// provider shows it: a whsec_ secret (or raw text) for native, Standard
// Webhooks' whsec_ secret, Stripe's whsec_ secret used as is, the text
// typed into GitHub. "auto" accepts every scheme the secret suits.
func newAuthenticator(scheme, secret string, tolerance time.Duration) (webhook.Authenticator, error) {
	switch scheme {
	case "native":
		key, err := webhook.ParseSecret(secret)
		if err != nil {
			return nil, err
		}
		return webhook.NewVerifier(key, &webhook.VerifierOptions{Tolerance: tolerance})
	case "standard":
		return standardwebhooks.NewVerifier([]string{secret}, &standardwebhooks.VerifierOptions{Tolerance: tolerance})
	case "stripe":
		return stripesig.NewVerifier([]string{secret}, &stripesig.VerifierOptions{Tolerance: tolerance})
	case "github":
		return githubsig.NewVerifier([]string{secret}, nil)
	case "auto":
		var a autoAuth
		var firstErr error
		for _, s := range []string{"native", "standard", "stripe", "github"} {
			v, err := newAuthenticator(s, secret, tolerance)
			if err != nil {
				firstErr = err
				continue
			}
			a = append(a, autoScheme{headers: autoHeaders[s], auth: v})
		}
		if len(a) == 0 {
			return nil, firstErr
		}
		return a, nil
	}
	return nil, webhook.ErrInvalidHeader // unreachable: the configuration checked the name
}

// autoHeaders are the signature headers that identify each scheme.
var autoHeaders = map[string][]string{
	"native":   {webhook.SignatureHeader},
	"standard": {standardwebhooks.SignatureHeader, standardwebhooks.SvixSignatureHeader},
	"stripe":   {stripesig.SignatureHeader},
	"github":   {githubsig.SignatureHeader},
}

type autoScheme struct {
	headers []string
	auth    webhook.Authenticator
}

// autoAuth verifies a request with the one scheme whose signature header
// it carries; a request with the headers of two schemes is malformed, so
// that a forger cannot choose the weaker check.
type autoAuth []autoScheme

func (a autoAuth) Authenticate(r *http.Request, body []byte) (webhook.Authenticated, error) {
	var pick webhook.Authenticator
	for _, s := range a {
		if !hasAny(r.Header, s.headers) {
			continue
		}
		if pick != nil {
			return webhook.Authenticated{}, webhook.ErrInvalidHeader
		}
		pick = s.auth
	}
	if pick == nil {
		return webhook.Authenticated{}, webhook.ErrMissingSignature
	}
	return pick.Authenticate(r, body)
}

// destinationSecret parses a destination's signing secret: "whsec_"
// base64 or raw text, at least 16 bytes.
func destinationSecret(s string) ([]byte, error) { return webhook.ParseSecret(s) }

func hasAny(h http.Header, names []string) bool {
	for _, n := range names {
		if _, ok := h[http.CanonicalHeaderKey(n)]; ok {
			return true
		}
	}
	return false
}
