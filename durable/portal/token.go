package portal

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Tokens and sessions are stateless: "v1.<app>.<expiry>[.<nonce>].<mac>",
// the application id in base64url, the expiry in Unix seconds and an
// HMAC-SHA256 under the provider's key over a label naming the kind (so a
// link token is never a session and the reverse), the application and
// the expiry. Any process with the key verifies them.
const (
	tokenLabel   = "signedhooks portal link v1"
	sessionLabel = "signedhooks portal session v1"
	csrfLabel    = "signedhooks portal csrf v1"
	maxTokenLen  = 512
)

var b64 = base64.RawURLEncoding

func (p *Portal) mac(label string, parts ...string) []byte {
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte(label))
	for _, s := range parts {
		m.Write([]byte{0})
		m.Write([]byte(s))
	}
	return m.Sum(nil)
}

// URL returns the path of the portal (under [Options.Path]) with a token
// that signs the bearer in to application appID for ttl. Send the
// customer there once they are signed in to the provider's own site; the
// token is a bearer credential until it expires, so keep ttl short (a few
// minutes) and mint a new link for each visit. Errors:
// [ErrInvalidApplication], [ErrInvalidTTL].
func (p *Portal) URL(appID string, ttl time.Duration) (string, error) {
	if !validAppID(appID) {
		return "", ErrInvalidApplication
	}
	if ttl <= 0 || ttl > p.opts.MaxLinkTTL {
		return "", ErrInvalidTTL
	}
	exp := strconv.FormatInt(p.opts.Now().Add(ttl).Unix(), 10)
	app := b64.EncodeToString([]byte(appID))
	tok := "v1." + app + "." + exp + "." + b64.EncodeToString(p.mac(tokenLabel, appID, exp))
	return p.opts.Path + "?token=" + tok, nil
}

// session is a signed-in visitor: one application, until exp.
type session struct {
	appID string
	exp   time.Time
	nonce string // unique per session; the CSRF token is derived from it
	csrf  string
}

// parseSigned checks a token or session value of n dot-separated fields
// and returns the application id, the expiry and the fields.
func (p *Portal) parseSigned(v, label string, n int) (string, time.Time, []string, bool) {
	if len(v) > maxTokenLen {
		return "", time.Time{}, nil, false
	}
	f := strings.Split(v, ".")
	if len(f) != n || f[0] != "v1" {
		return "", time.Time{}, nil, false
	}
	app, err := b64.DecodeString(f[1])
	if err != nil {
		return "", time.Time{}, nil, false
	}
	sig, err := b64.DecodeString(f[n-1])
	if err != nil {
		return "", time.Time{}, nil, false
	}
	if !hmac.Equal(sig, p.mac(label, append([]string{string(app)}, f[2:n-1]...)...)) {
		return "", time.Time{}, nil, false
	}
	unix, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil {
		return "", time.Time{}, nil, false
	}
	exp := time.Unix(unix, 0)
	if !p.opts.Now().Before(exp) || !validAppID(string(app)) {
		return "", time.Time{}, nil, false
	}
	return string(app), exp, f, true
}

// checkToken returns the application a link token signs in to.
func (p *Portal) checkToken(tok string) (string, bool) {
	app, _, _, ok := p.parseSigned(tok, tokenLabel, 4)
	return app, ok
}

// newSession returns the cookie of a new session of appID.
func (p *Portal) newSession(appID string) *http.Cookie {
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce)
	exp := p.opts.Now().Add(p.opts.SessionTTL)
	e := strconv.FormatInt(exp.Unix(), 10)
	n := b64.EncodeToString(nonce)
	v := "v1." + b64.EncodeToString([]byte(appID)) + "." + e + "." + n + "." + b64.EncodeToString(p.mac(sessionLabel, appID, e, n))
	return &http.Cookie{
		Name: p.opts.CookieName, Value: v, Path: p.opts.Path, Expires: exp, MaxAge: int(p.opts.SessionTTL / time.Second),
		HttpOnly: true, Secure: !p.opts.InsecureCookie, SameSite: http.SameSiteStrictMode,
	}
}

// session returns the visitor's session, from its cookie.
func (p *Portal) session(r *http.Request) (*session, bool) {
	c, err := r.Cookie(p.opts.CookieName)
	if err != nil {
		return nil, false
	}
	app, exp, f, ok := p.parseSigned(c.Value, sessionLabel, 5)
	if !ok {
		return nil, false
	}
	return &session{appID: app, exp: exp, nonce: f[3], csrf: b64.EncodeToString(p.mac(csrfLabel, f[3]))}, true
}

// endSession is the cookie that removes the session.
func (p *Portal) endSession() *http.Cookie {
	return &http.Cookie{Name: p.opts.CookieName, Value: "", Path: p.opts.Path, MaxAge: -1,
		HttpOnly: true, Secure: !p.opts.InsecureCookie, SameSite: http.SameSiteStrictMode}
}

// sameOrigin refuses a POST that a browser says comes from elsewhere:
// Sec-Fetch-Site must be same-origin when sent, and Origin, when sent,
// must name this host. Requests without either (older browsers, scripts)
// still need the CSRF token.
func sameOrigin(r *http.Request) bool {
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" {
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	_, host, ok := strings.Cut(o, "://")
	return ok && strings.EqualFold(host, r.Host)
}

// checkCSRF reports whether the form's token is the session's.
func checkCSRF(s *session, r *http.Request) bool {
	got := r.PostFormValue("csrf")
	return got != "" && hmac.Equal([]byte(got), []byte(s.csrf))
}

// validAppID is durable's rule for application ids.
func validAppID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range []byte(id) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}
