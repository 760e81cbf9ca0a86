package durable

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
)

// APIOptions configures the management API of [Endpoints.Handler]. The
// zero value gives the defaults; a nil *APIOptions is the same.
type APIOptions struct {
	// BearerToken, when set, is required of every request as
	// "Authorization: Bearer <token>" (compared in constant time); others
	// get 401. Default: none; mount the handler behind your own
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

// apiError is the body of every error answer: a human message and a
// machine-readable code.
type apiError struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

// Handler returns the JSON management API. Routes, relative to where it is
// mounted (strip any prefix with [http.StripPrefix]):
//
//	POST   /applications                                   create an application {"id","name"}
//	GET    /applications/{app}
//	GET    /applications/{app}/endpoints                   list endpoints
//	POST   /applications/{app}/endpoints                   create; the answer shows the secret once
//	GET    /applications/{app}/endpoints/{ep}
//	PATCH  /applications/{app}/endpoints/{ep}              change the fields given
//	DELETE /applications/{app}/endpoints/{ep}
//	POST   /applications/{app}/endpoints/{ep}/enable
//	POST   /applications/{app}/endpoints/{ep}/disable
//	POST   /applications/{app}/endpoints/{ep}/secret/rotate {"grace_seconds"}; shows the new secret once
//	GET    /applications/{app}/endpoints/{ep}/attempts     ?cursor=&limit=&message_id=
//	POST   /applications/{app}/endpoints/{ep}/messages/{msg}/resend
//	POST   /applications/{app}/endpoints/{ep}/recover      {"since": RFC 3339 time}
//	GET    /applications/{app}/messages                    ?cursor=&limit=
//	GET    /applications/{app}/messages/{msg}/attempts     ?cursor=&limit=
//
// Errors answer {"error": "...", "code": "..."}: 400 invalid_json, 401
// unauthorized, 404 unknown_application / unknown_endpoint /
// unknown_message, 409 duplicate_application / too_many_endpoints, 413 body_too_large, 422
// invalid_url / blocked_url / invalid_filter / invalid_field, and 500
// internal (details only in the log).
func (e *Endpoints[TTx]) Handler(opts *APIOptions) http.Handler {
	var o APIOptions
	if opts != nil {
		o = *opts
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 64 << 10
	}
	if o.Logger == nil {
		o.Logger = e.rt.opts.Logger
	}
	a := &api[TTx]{e: e, opts: o}
	if o.BearerToken != "" {
		sum := sha256.Sum256([]byte(o.BearerToken))
		a.token = sum[:]
	}
	mux := http.NewServeMux()
	a.routes(mux)
	return a.authenticate(mux)
}

type api[TTx any] struct {
	e     *Endpoints[TTx]
	opts  APIOptions
	token []byte // SHA-256 of the bearer token, or nil
}

func (a *api[TTx]) authenticate(next http.Handler) http.Handler {
	if a.token == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		sum := sha256.Sum256([]byte(got)) // equal lengths: the compare leaks nothing
		if !ok || subtle.ConstantTimeCompare(sum[:], a.token) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="webhooks"`)
			writeAPI(w, http.StatusUnauthorized, apiError{Error: "missing or wrong bearer token", Code: "unauthorized"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// decode reads a JSON body into v, refusing unknown fields and trailing
// data. It answers the error itself and reports false on failure.
func (a *api[TTx]) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, a.opts.MaxBodyBytes))
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
		writeAPI(w, http.StatusRequestEntityTooLarge, apiError{Error: "request body too large", Code: "body_too_large"})
	case errors.Is(err, io.EOF):
		writeAPI(w, http.StatusBadRequest, apiError{Error: "empty body; want a JSON object", Code: "invalid_json"})
	default:
		writeAPI(w, http.StatusBadRequest, apiError{Error: "malformed JSON: " + err.Error(), Code: "invalid_json"})
	}
	return false
}

// fail answers err: this package's sentinels with their 4xx and code,
// anything else with a bare 500 (the details go to the log only).
func (a *api[TTx]) fail(w http.ResponseWriter, r *http.Request, err error) {
	for _, m := range errorCodes {
		if errors.Is(err, m.err) {
			writeAPI(w, m.status, apiError{Error: err.Error(), Code: m.code})
			return
		}
	}
	a.opts.Logger.Error("durable: management API", "method", r.Method, "path", r.URL.Path, "error", err)
	writeAPI(w, http.StatusInternalServerError, apiError{Error: "internal error", Code: "internal"})
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
	{ErrInvalidURL, http.StatusUnprocessableEntity, "invalid_url"},
	{ErrBlockedURL, http.StatusUnprocessableEntity, "blocked_url"},
	{ErrInvalidFilter, http.StatusUnprocessableEntity, "invalid_filter"},
	{ErrInvalidField, http.StatusUnprocessableEntity, "invalid_field"},
	{ErrInvalidID, http.StatusUnprocessableEntity, "invalid_field"},
	{ErrPayloadTooLarge, http.StatusRequestEntityTooLarge, "body_too_large"},
}

func writeAPI(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store") // answers may carry a secret
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
