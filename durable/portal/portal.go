package portal

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/signedhooks/webhook/durable/endpoints"
)

// Options configures a [Portal]. Key is required; the zero value of every
// other field gives its default. It is copied by [New].
type Options struct {
	// Key signs the links [Portal.URL] mints and the session cookies: at
	// least 32 random bytes, kept secret by the provider and shared by
	// every process that serves the portal. Required.
	Key []byte

	// Path is where the provider mounts the portal, starting and ending
	// with "/", for example "/portal/": links and the cookie's path are
	// under it. Default: "/".
	Path string

	// Title is the heading of every page, such as the provider's name.
	// Default: "Webhooks".
	Title string

	// EventTypes are the event types the provider declares. The portal
	// lists them, offers them in the endpoint filter and sends their
	// Example as the test event; when some are declared, filters must name
	// declared types or prefixes of them, and test events a declared type.
	// Default: the service's [endpoints.Options.EventTypes], and
	// with none declared there either, any well-formed type is accepted.
	EventTypes []endpoints.EventType

	// TestEventType is the type of a test event when no types are
	// declared. Default: "webhook.test".
	TestEventType string

	// MaxLinkTTL bounds the lifetime [Portal.URL] accepts. Default: one
	// hour.
	MaxLinkTTL time.Duration

	// SessionTTL is how long a session lasts after the link was opened;
	// after it the customer opens the portal again from the provider's
	// site. Default: one hour.
	SessionTTL time.Duration

	// CookieName names the session cookie. Default: "webhook_portal".
	CookieName string

	// InsecureCookie sends the session cookie without the Secure flag, so
	// that the portal works on plain http. Use it only in tests on
	// loopback. Default: false, Secure.
	InsecureCookie bool

	// Logger, if set, receives server errors (never a secret). Default:
	// silent.
	Logger *slog.Logger

	// Now returns the current time, for links and sessions. Default:
	// time.Now.
	Now func() time.Time
}

// Portal is the customer portal of one provider, an [http.Handler]; see
// the package doc. Each visitor sees only the application their link
// named. It is safe for concurrent use, and keeps no state of its own: any
// process with the same Key and service serves the same sessions.
type Portal struct {
	svc     service
	opts    Options
	key     []byte
	catalog *endpoints.EventCatalog
	pages   map[string]*pageTemplate
	static  http.Handler
	mux     *http.ServeMux
}

// service is what the portal uses of a *endpoints.Service, whatever its
// transaction type.
type service interface {
	GetApplication(ctx context.Context, id string) (endpoints.Application, error)
	ListEndpoints(ctx context.Context, appID string) ([]endpoints.Endpoint, error)
	CreateEndpoint(ctx context.Context, appID string, in endpoints.Input) (endpoints.Endpoint, string, error)
	GetEndpoint(ctx context.Context, appID, endpointID string) (endpoints.Endpoint, error)
	UpdateEndpoint(ctx context.Context, appID, endpointID string, upd endpoints.Update) (endpoints.Endpoint, error)
	EnableEndpoint(ctx context.Context, appID, endpointID string) (endpoints.Endpoint, error)
	DisableEndpoint(ctx context.Context, appID, endpointID string) (endpoints.Endpoint, error)
	DeleteEndpoint(ctx context.Context, appID, endpointID string) error
	RotateSecret(ctx context.Context, appID, endpointID string, grace time.Duration) (string, error)
	RevealSecret(ctx context.Context, appID, endpointID string) (string, error)
	SendTest(ctx context.Context, appID, endpointID, eventType string, payload []byte) (endpoints.PublishResult, error)
	FindMessages(ctx context.Context, appID string, q endpoints.MessageQuery, cursor string, limit int) (endpoints.Page[endpoints.LoggedMessage], error)
	FindMessage(ctx context.Context, appID, messageID string) (endpoints.LoggedMessage, error)
	ListAttempts(ctx context.Context, appID string, f endpoints.AttemptFilter, cursor string, limit int) (endpoints.Page[endpoints.Attempt], error)
	Resend(ctx context.Context, appID, endpointID, messageID string) error
	Recover(ctx context.Context, appID, endpointID string, since time.Time) (int, error)
	EventTypes() []endpoints.EventType
}

//go:embed templates static
var files embed.FS

// contentSecurityPolicy allows the portal's own stylesheet and script and
// nothing else: no inline script or style, no other origin, no framing,
// forms posted only to the portal.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// maxFormBytes bounds a POST body.
const maxFormBytes = 128 << 10

// New returns the portal of svc's applications. Errors: [ErrShortKey],
// [ErrInvalidOptions] (a malformed Path or declared event type).
func New[TTx any](svc *endpoints.Service[TTx], opts *Options) (*Portal, error) {
	if svc == nil {
		return nil, fmt.Errorf("%w: New needs a service", ErrInvalidOptions)
	}
	return newPortal(svc, opts)
}

func newPortal(svc service, opts *Options) (*Portal, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if len(o.Key) < 32 {
		return nil, ErrShortKey
	}
	p := &Portal{svc: svc, key: append([]byte(nil), o.Key...)}
	o.Key = nil
	if o.Path == "" {
		o.Path = "/"
	}
	if u, err := url.Parse(o.Path); err != nil || u.Path != o.Path || !strings.HasPrefix(o.Path, "/") || !strings.HasSuffix(o.Path, "/") {
		return nil, fmt.Errorf("%w: Path %q must start and end with \"/\"", ErrInvalidOptions, o.Path)
	}
	if o.Title == "" {
		o.Title = "Webhooks"
	}
	if o.TestEventType == "" {
		o.TestEventType = "webhook.test"
	}
	if o.MaxLinkTTL <= 0 {
		o.MaxLinkTTL = time.Hour
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = time.Hour
	}
	if o.CookieName == "" {
		o.CookieName = "webhook_portal"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	var err error
	if len(o.EventTypes) == 0 {
		o.EventTypes = svc.EventTypes() // the service's own catalogue
	}
	if p.catalog, err = endpoints.NewEventCatalog(o.EventTypes); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidOptions, err)
	}
	o.EventTypes = nil // the catalogue holds its own copy
	p.opts = o
	if p.pages, err = parsePages(); err != nil {
		return nil, err
	}
	static, _ := fs.Sub(files, "static")
	p.static = http.StripPrefix(strings.TrimSuffix(o.Path, "/")+"/static/", http.FileServerFS(static))
	p.routes()
	return p, nil
}

// ServeHTTP serves the portal's pages under [Options.Path].
func (p *Portal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	// Not "no-referrer": under it a browser sends "Origin: null" with
	// every form, and the origin check below could not tell our own forms
	// from a sandboxed page's.
	h.Set("Referrer-Policy", "same-origin")
	rest, ok := strings.CutPrefix(r.URL.Path, p.opts.Path)
	if !ok {
		p.fail(w, r, nil, http.StatusNotFound, "There is no such page.")
		return
	}
	// "/portal//x" is "/portal/x": never a path that starts with "//",
	// which a redirect would turn into another host.
	rest = strings.TrimLeft(rest, "/")
	if strings.HasPrefix(rest, "static/") && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		h.Set("Cache-Control", "public, max-age=3600")
		p.static.ServeHTTP(w, r)
		return
	}
	h.Set("Cache-Control", "no-store")
	if tok := r.URL.Query().Get("token"); tok != "" && r.Method == http.MethodGet {
		p.signIn(w, r, rest, tok)
		return
	}
	s, ok := p.session(r)
	if !ok {
		p.fail(w, r, nil, http.StatusUnauthorized, "Your session has ended or this link is not valid. Open the webhooks portal again from your account.")
		return
	}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if !sameOrigin(r) {
			p.fail(w, r, s, http.StatusForbidden, "This form was sent from another site and was refused.")
			return
		}
		if err := r.ParseForm(); err != nil {
			p.fail(w, r, s, http.StatusBadRequest, "The form could not be read.")
			return
		}
		if !checkCSRF(s, r) {
			p.fail(w, r, s, http.StatusForbidden, "This form has expired. Go back, reload the page and try again.")
			return
		}
	}
	r2 := r.Clone(context.WithValue(r.Context(), sessionKey{}, s))
	r2.URL.Path = "/" + rest
	r2.URL.RawPath = ""
	p.mux.ServeHTTP(w, r2)
}

type sessionKey struct{}

func sessionOf(r *http.Request) *session {
	s, _ := r.Context().Value(sessionKey{}).(*session)
	return s
}

// signIn exchanges a link's token for a session cookie, then takes the
// token out of the address bar. After a cross-site navigation (the
// provider's site linking here) a browser would withhold a SameSite=Strict
// cookie on an HTTP redirect, which is part of the same cross-site chain,
// so there the page moves on by itself (a meta refresh, no script) instead.
func (p *Portal) signIn(w http.ResponseWriter, r *http.Request, rest, tok string) {
	appID, ok := p.checkToken(tok)
	if ok {
		if _, err := p.svc.GetApplication(r.Context(), appID); err != nil {
			if !errors.Is(err, endpoints.ErrUnknownApplication) {
				p.opts.Logger.ErrorContext(r.Context(), "portal: sign-in", "err", err)
			}
			ok = false
		}
	}
	if !ok {
		http.SetCookie(w, p.endSession())
		p.fail(w, r, nil, http.StatusUnauthorized, "This link has expired or is not valid. Open the webhooks portal again from your account.")
		return
	}
	http.SetCookie(w, p.newSession(appID))
	q := r.URL.Query()
	q.Del("token")
	next := p.opts.Path + rest
	if len(q) > 0 {
		next += "?" + q.Encode()
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "none", "same-origin", "same-site":
		http.Redirect(w, r, next, http.StatusSeeOther)
	default:
		p.render(w, r, nil, http.StatusOK, "continue", continueData{Next: next})
	}
}

// continueData is the page that moves on to Next by itself.
type continueData struct{ Next string }

func (d continueData) refresh() string { return "0; url=" + d.Next }
