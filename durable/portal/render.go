package portal

import (
	"bytes"
	"encoding/json"
	"errors"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
)

// pageTemplate is one page: the layout and the page's "content".
type pageTemplate = template.Template

var pageNames = []string{"endpoints", "endpoint", "event_types", "messages", "message", "error", "continue"}

func parsePages() (map[string]*pageTemplate, error) {
	funcs := template.FuncMap{
		"when":    when,
		"snippet": snippet,
		"pretty":  pretty,
		"join":    func(s []string) string { return strings.Join(s, ", ") },
		"has":     slices.Contains[[]string],
		"headers": headersText,
		"esc":     url.PathEscape,
		"list3":   func(a, b, c string) []string { return []string{a, b, c} },
	}
	out := make(map[string]*pageTemplate, len(pageNames))
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/partials.html", "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		out[name] = t
	}
	return out, nil
}

// view is what every page gets: the layout's fields and the page's Data.
type view struct {
	Title   string
	Page    string
	Base    string
	AppID   string
	CSRF    string
	Flash   string
	Refresh string
	Data    any
}

// flashes are the confirmations shown after a POST redirects back; the
// query names one, so no text from the request is ever echoed.
var flashes = map[string]string{
	"created":   "The endpoint was created.",
	"updated":   "The endpoint was saved.",
	"enabled":   "The endpoint was enabled.",
	"disabled":  "The endpoint was disabled: its deliveries wait until you enable it and recover them.",
	"deleted":   "The endpoint was deleted.",
	"rotated":   "The signing secret was rotated. Reveal the new one to update your receiver.",
	"sent":      "The test event was queued.",
	"resent":    "The message was queued again.",
	"recovered": "The failed deliveries were queued again.",
}

func (p *Portal) render(w http.ResponseWriter, r *http.Request, s *session, status int, page string, data any) {
	v := view{Title: p.opts.Title, Page: page, Base: p.opts.Path, Data: data, Flash: flashes[r.URL.Query().Get("done")]}
	if s != nil {
		v.AppID, v.CSRF = s.appID, s.csrf
	}
	if rf, ok := data.(interface{ refresh() string }); ok {
		v.Refresh = rf.refresh()
	}
	var buf bytes.Buffer
	if err := p.pages[page].Execute(&buf, v); err != nil {
		p.opts.Logger.ErrorContext(r.Context(), "portal: render", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail shows an error page with a message written here, never an error's
// text from below.
func (p *Portal) fail(w http.ResponseWriter, r *http.Request, s *session, status int, msg string) {
	p.render(w, r, s, status, "error", map[string]string{"Message": msg, "Status": http.StatusText(status)})
}

// clientErrors are durable's errors about the customer's input: their
// text says what to fix and holds no secret.
var clientErrors = []error{durable.ErrInvalidURL, endpoints.ErrBlockedURL, endpoints.ErrInvalidFilter, endpoints.ErrInvalidField,
	endpoints.ErrInvalidText, endpoints.ErrTooManyEndpoints, durable.ErrPayloadTooLarge, durable.ErrInvalidID, errForm}

// errForm is a form field the portal could not read.
var errForm = errors.New("portal: invalid form")

// userMessage returns what to tell the customer about err, and the
// status: 422 for their input, 404 for an unknown endpoint or message,
// 409 for an endpoint disabled meanwhile or a delivery in flight, 500 (logged, not shown) for
// anything else.
func (p *Portal) userMessage(r *http.Request, err error) (int, string) {
	if errors.Is(err, endpoints.ErrDisabled) {
		return http.StatusConflict, "This endpoint is disabled: enable it, then try again."
	}
	if errors.Is(err, endpoints.ErrDeliveryRunning) {
		return http.StatusConflict, "This message is being delivered to the endpoint right now: resend it once the attempt has ended."
	}
	for _, c := range clientErrors {
		if errors.Is(err, c) {
			msg := strings.TrimPrefix(strings.TrimPrefix(err.Error(), "durable: "), "portal: ")
			if msg == "" {
				return http.StatusUnprocessableEntity, "This was refused."
			}
			return http.StatusUnprocessableEntity, strings.ToUpper(msg[:1]) + msg[1:] + "."
		}
	}
	if errors.Is(err, endpoints.ErrUnknownEndpoint) || errors.Is(err, endpoints.ErrUnknownMessage) || errors.Is(err, endpoints.ErrUnknownApplication) {
		return http.StatusNotFound, "There is no such endpoint or message."
	}
	p.opts.Logger.ErrorContext(r.Context(), "portal", "path", r.URL.Path, "err", err)
	return http.StatusInternalServerError, "Something went wrong on our side. Try again in a moment."
}

func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// snippet shortens a response body for a table cell.
func snippet(s string) string {
	const n = 300
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func pretty(raw json.RawMessage) string {
	var buf bytes.Buffer
	if json.Indent(&buf, raw, "", "  ") != nil {
		return string(raw)
	}
	return buf.String()
}

func headersText(h map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(h)) {
		b.WriteString(k + ": " + h[k] + "\n")
	}
	return b.String()
}
