package endpoints

import (
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
)

// APIOptions configures the management API of [Service.Handler]. The
// zero value gives the defaults; a nil *APIOptions is the same.
type APIOptions struct {
	// BearerToken, when set, is required of every request as
	// "Authorization: Bearer <token>" (the scheme name in any case, the
	// token compared in constant time); others get 401. Default: none; mount the handler behind your own
	// authentication and authorization (a customer must reach only its own
	// application's routes).
	BearerToken string

	// MaxBodyBytes bounds a request body; larger ones get 413.
	// Default: 64 KiB.
	MaxBodyBytes int64

	// Logger receives unexpected (5xx) errors. Default: the Runtime's
	// logger.
	Logger *slog.Logger
}

// Handler returns the JSON management API. Routes, relative to where it is
// mounted (strip any prefix with [http.StripPrefix]), described by the
// OpenAPI 3.1 document it serves at GET /openapi.json:
//
//	GET    /applications                                   list applications, by id ?cursor=&limit=
//	POST   /applications                                   create an application {"id","name"}
//	GET    /applications/{app}
//	DELETE /applications/{app}                             with its endpoints, messages and attempts
//	GET    /applications/{app}/endpoints                   list endpoints
//	POST   /applications/{app}/endpoints                   create; the answer shows the secret once
//	GET    /applications/{app}/endpoints/{ep}
//	PATCH  /applications/{app}/endpoints/{ep}              change the fields given, atomically
//	DELETE /applications/{app}/endpoints/{ep}
//	POST   /applications/{app}/endpoints/{ep}/enable
//	POST   /applications/{app}/endpoints/{ep}/disable
//	POST   /applications/{app}/endpoints/{ep}/secret/rotate {"grace_seconds"}; shows the new secret once
//	GET    /applications/{app}/endpoints/{ep}/attempts     ?cursor=&limit=&message_id=
//	GET    /applications/{app}/endpoints/{ep}/stats        health figures ?window_seconds= (default a day)
//	POST   /applications/{app}/endpoints/{ep}/messages/{msg}/resend
//	POST   /applications/{app}/endpoints/{ep}/recover      {"since": RFC 3339 time}
//	GET    /applications/{app}/messages                    ?cursor=&limit=
//	POST   /applications/{app}/messages                    publish {"event_type","payload","id"}; 202, or 200 for a known id
//	GET    /applications/{app}/messages/{msg}
//	GET    /applications/{app}/messages/{msg}/attempts     ?cursor=&limit=
//	GET    /applications/{app}/dead-letters                ?endpoint_id=&cursor=&limit=
//
// Every error answers the core's one JSON shape, [webhook.ErrorResponse]:
// {"error": "<code>", "message": "<text>"}. Codes: 400 invalid_json /
// invalid_text (a NUL byte or invalid UTF-8 in a field, path or query),
// 401 unauthorized, 404 unknown_application / unknown_endpoint /
// unknown_message / unknown_route, 405 method_not_allowed (with Allow), 409
// duplicate_application / too_many_endpoints / endpoint_disabled (a resend
// to a disabled endpoint) / delivery_running (a resend while the delivery's
// attempt is in flight), 413 body_too_large, 422 invalid_url (a URL that
// is malformed or that the Sender's guard refuses) / invalid_filter /
// invalid_field, and 500 internal (details only in the log).
func (e *Service[TTx]) Handler(opts *APIOptions) http.Handler {
	var o APIOptions
	if opts != nil {
		o = *opts
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 64 << 10
	}
	if o.Logger == nil {
		o.Logger = e.rt.Logger()
	}
	a := &api[TTx]{e: e, opts: o}
	if o.BearerToken != "" {
		sum := sha256.Sum256([]byte(o.BearerToken))
		a.token = sum[:]
	}
	mux := http.NewServeMux()
	a.routes(mux)
	return a.authenticate(a.checkRequestText(jsonFallback(mux)))
}

// jsonFallback answers, in the one JSON error shape, the requests that no
// route takes, which [http.ServeMux] would answer in plain text: 404
// unknown_route, and 405 method_not_allowed with the Allow header. Other
// answers of the mux itself (a redirect to a cleaned path) pass through.
func jsonFallback(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		cw := &captureWriter{header: http.Header{}}
		h.ServeHTTP(cw, r)
		switch cw.status {
		case http.StatusNotFound:
			writeAPIError(w, http.StatusNotFound, "unknown_route", "no route for "+r.Method+" of this path")
		case http.StatusMethodNotAllowed:
			w.Header().Set("Allow", cw.header.Get("Allow"))
			writeAPIError(w, http.StatusMethodNotAllowed, "method_not_allowed", "this path does not take "+r.Method+"; see Allow")
		default:
			for k, v := range cw.header {
				w.Header()[k] = v
			}
			w.WriteHeader(cw.status)
			_, _ = w.Write(cw.body)
		}
	})
}

// captureWriter keeps what the mux's own handlers answer, to translate it.
type captureWriter struct {
	header http.Header
	status int
	body   []byte
}

func (c *captureWriter) Header() http.Header { return c.header }

func (c *captureWriter) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

func (c *captureWriter) Write(b []byte) (int, error) {
	c.WriteHeader(http.StatusOK)
	if len(c.body) < 4<<10 {
		c.body = append(c.body, b[:min(len(b), 4<<10-len(c.body))]...)
	}
	return len(b), nil
}

// checkRequestText answers 400 invalid_text to a request whose path or
// query holds a NUL byte or invalid UTF-8, before any route reads it: no
// id or cursor of that kind exists, and PostgreSQL refuses such text.
func (a *api[TTx]) checkRequestText(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok := validText(r.URL.Path)
		for k, vs := range r.URL.Query() {
			ok = ok && validText(k)
			for _, v := range vs {
				ok = ok && validText(v)
			}
		}
		if !ok {
			a.fail(w, r, fmt.Errorf("%w: the path or query holds a NUL byte or invalid UTF-8", ErrInvalidText))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// openAPIDocument is the OpenAPI 3.1 document of the management API,
// served at GET /openapi.json; the tests check real answers against it.
//
//go:embed openapi.json
var openAPIDocument []byte

type api[TTx any] struct {
	e     *Service[TTx]
	opts  APIOptions
	token []byte // SHA-256 of the bearer token, or nil
}

func (a *api[TTx]) authenticate(next http.Handler) http.Handler {
	if a.token == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := bearerToken(r.Header.Get("Authorization"))
		sum := sha256.Sum256([]byte(got)) // equal lengths: the compare leaks nothing
		if !ok || subtle.ConstantTimeCompare(sum[:], a.token) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="webhooks"`)
			writeAPIError(w, http.StatusUnauthorized, "unauthorized", "missing or wrong bearer token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// bearerToken returns the credentials of an Authorization header in the
// Bearer scheme, whose name is matched case-insensitively, as HTTP
// authentication schemes are (RFC 9110, section 11.1).
func bearerToken(h string) (string, bool) {
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimLeft(token, " "), true
}

// decode reads a JSON body into v, refusing unknown fields and trailing
// data. It answers the error itself and reports false on failure.
func (a *api[TTx]) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	return a.decodeLimit(w, r, v, a.opts.MaxBodyBytes)
}

// decodeLimit is decode with a body limit of its own.
func (a *api[TTx]) decodeLimit(w http.ResponseWriter, r *http.Request, v any, limit int64) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("trailing data after the JSON value")
	}
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
		return true
	case errors.As(err, &tooBig):
		writeAPIError(w, http.StatusRequestEntityTooLarge, "body_too_large", "")
	case errors.Is(err, io.EOF):
		writeAPIError(w, http.StatusBadRequest, "invalid_json", "empty body; want a JSON object")
	default:
		writeAPIError(w, http.StatusBadRequest, "invalid_json", "malformed JSON: "+err.Error())
	}
	return false
}

// fail answers err: this package's sentinels with their 4xx and code,
// anything else with a bare 500 (the details go to the log only).
func (a *api[TTx]) fail(w http.ResponseWriter, r *http.Request, err error) {
	for _, m := range errorCodes {
		if errors.Is(err, m.err) {
			writeAPIError(w, m.status, m.code, err.Error())
			return
		}
	}
	a.opts.Logger.Error("durable: management API", "method", r.Method, "path", r.URL.Path, "error", err)
	writeAPIError(w, http.StatusInternalServerError, "internal", "internal error")
}

var errorCodes = []struct {
	err    error
	status int
	code   string
}{
	{ErrUnknownApplication, http.StatusNotFound, "unknown_application"},
	{ErrUnknownEndpoint, http.StatusNotFound, "unknown_endpoint"},
	{ErrUnknownMessage, http.StatusNotFound, "unknown_message"},
	{ErrDuplicateApplication, http.StatusConflict, "duplicate_application"},
	{ErrTooManyEndpoints, http.StatusConflict, "too_many_endpoints"},
	{ErrDisabled, http.StatusConflict, "endpoint_disabled"},
	{ErrDeliveryRunning, http.StatusConflict, "delivery_running"},
	{ErrInvalidText, http.StatusBadRequest, "invalid_text"},
	{durable.ErrInvalidURL, http.StatusUnprocessableEntity, "invalid_url"},
	{ErrBlockedURL, http.StatusUnprocessableEntity, "invalid_url"},
	{ErrInvalidFilter, http.StatusUnprocessableEntity, "invalid_filter"},
	{ErrInvalidField, http.StatusUnprocessableEntity, "invalid_field"},
	{durable.ErrInvalidID, http.StatusUnprocessableEntity, "invalid_field"},
	{durable.ErrPayloadTooLarge, http.StatusRequestEntityTooLarge, "body_too_large"},
}

func writeAPI(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store") // answers may carry a secret
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeAPIError answers the core's one error shape, [webhook.ErrorResponse]:
// {"error": code, "message": message}.
func writeAPIError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Cache-Control", "no-store")
	webhook.WriteError(w, status, webhook.ErrorResponse{Code: code, Message: message})
}
