package relay

import (
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"mime"
	"net/http"
	"time"

	webhook "github.com/signedhooks/webhook"
)

//go:embed static
var static embed.FS

var statusPage = template.Must(template.ParseFS(static, "static/status.html"))

// contentSecurityPolicy allows the page its own stylesheet and nothing
// else: no script at all, no inline style, no frame, no form.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// AdminHandler returns the operations handler: a read-only status page
// (GET /, GET /event?id=) rendered on the server with no script, and a
// JSON API:
//
//	GET  /api/events?cursor=&limit=    recent events (see [Relay.Events])
//	GET  /api/event?id=                one event with its attempts
//	GET  /api/dead                     dead letters (see [Relay.DeadLetters])
//	POST /api/replay?event=&destination=       (see [Relay.Replay])
//	POST /api/recover?destination=&since=RFC3339 (see [Relay.Recover])
//
// The POSTs require Content-Type: application/json, which a cross-site
// form cannot send. The handler has no authentication: serve it on a
// private address only.
func (r *Relay) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.FileServerFS(static))
	mux.HandleFunc("GET /{$}", r.servePage)
	mux.HandleFunc("GET /event", r.servePage)
	mux.HandleFunc("GET /api/events", func(w http.ResponseWriter, req *http.Request) {
		limit, _ := atoiMax(req.URL.Query().Get("limit"))
		page, err := r.Events(req.Context(), req.URL.Query().Get("cursor"), limit)
		respond(w, page, err)
	})
	mux.HandleFunc("GET /api/event", func(w http.ResponseWriter, req *http.Request) {
		ev, err := r.Event(req.Context(), req.URL.Query().Get("id"))
		respond(w, ev, err)
	})
	mux.HandleFunc("GET /api/dead", func(w http.ResponseWriter, req *http.Request) {
		dead, err := r.DeadLetters(req.Context())
		respond(w, map[string]any{"items": dead}, err)
	})
	mux.HandleFunc("POST /api/replay", func(w http.ResponseWriter, req *http.Request) {
		if !jsonRequest(w, req) {
			return
		}
		q := req.URL.Query()
		n, err := r.Replay(req.Context(), q.Get("event"), q.Get("destination"))
		respond(w, map[string]int{"queued": n}, err)
	})
	mux.HandleFunc("POST /api/recover", func(w http.ResponseWriter, req *http.Request) {
		if !jsonRequest(w, req) {
			return
		}
		q := req.URL.Query()
		since, err := time.Parse(time.RFC3339, q.Get("since"))
		if err != nil {
			webhook.WriteError(w, http.StatusBadRequest, webhook.ErrorResponse{Code: "invalid_since", Message: "since must be an RFC 3339 time"})
			return
		}
		n, err := r.Recover(req.Context(), q.Get("destination"), since)
		respond(w, map[string]int{"queued": n}, err)
	})
	return securityHeaders(mux)
}

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, req)
	})
}

func atoiMax(s string) (int, bool) {
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' || n > maxPage {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func jsonRequest(w http.ResponseWriter, req *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if mt != "application/json" {
		webhook.WriteError(w, http.StatusUnsupportedMediaType, webhook.ErrorResponse{Code: "json_required", Message: "send Content-Type: application/json"})
		return false
	}
	return true
}

func respond(w http.ResponseWriter, v any, err error) {
	switch {
	case errors.Is(err, ErrUnknownEvent), errors.Is(err, ErrUnknownDestination):
		webhook.WriteError(w, http.StatusNotFound, webhook.ErrorResponse{Code: "not_found"})
		return
	case errors.Is(err, ErrInvalidValue):
		webhook.WriteError(w, http.StatusBadRequest, webhook.ErrorResponse{Code: "invalid_request"})
		return
	case err != nil:
		webhook.WriteError(w, http.StatusInternalServerError, webhook.ErrorResponse{Code: "internal_error"})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

type pageData struct {
	Event        *EventRecord
	Events, Dead []EventRecord
	Next         string
	Destinations []string
}

func (r *Relay) servePage(w http.ResponseWriter, req *http.Request) {
	var d pageData
	if req.URL.Path == "/event" {
		ev, err := r.Event(req.Context(), req.URL.Query().Get("id"))
		if err != nil {
			respond(w, nil, err)
			return
		}
		d.Event = &ev
	} else {
		page, err := r.Events(req.Context(), req.URL.Query().Get("cursor"), 50)
		if err != nil {
			respond(w, nil, err)
			return
		}
		// The page's dead letters are those among its events, so that a
		// page costs one look-up per delivery shown; GET /api/dead scans
		// further back.
		d.Events, d.Next, d.Dead = page.Items, page.Next, deadAmong(page.Items)
		for _, dst := range r.cfg.Destinations {
			d.Destinations = append(d.Destinations, dst.Name)
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = statusPage.Execute(w, d)
}
