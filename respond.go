package webhook

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// ErrorResponse is the JSON body of error answers across this module: the
// middleware's and the [Mux]'s, and the shape for other handlers (the
// durable inbox, the management API) to answer with [WriteError]. It reads
// {"error":"<code>","message":"<text>"}.
//
// Code is machine readable and stable: senders, scripts and tests may match
// it. The middleware and the Mux answer these codes:
//
//	missing_signature     400  no signature header
//	malformed_signature   400  a signature header that does not parse
//	unreadable_body       400  the body could not be read
//	unauthorized          401  a wrong signature, or a stale or future timestamp
//	body_too_large        413  a body over the limit
//	in_flight             409  the message is being processed (Retry-After)
//	replayed              409  the signature was seen before (Retry-After)
//	fingerprint_mismatch  422  a known id with another body, with
//	                           RejectFingerprintMismatch set
//	store_unavailable     503  the idempotency store failed (Retry-After)
//	handler_failed        500  a [Mux] handler failed
//	no_verified_event     500  a [Mux] reached without the middleware
//
// Message is human text saying what the code means and what a sender should
// do. It is the same for every request with that code: it never carries the
// reason a verification failed, a secret, or anything else the request
// could learn about the receiver.
type ErrorResponse struct {
	// Code is the machine-readable error code.
	Code string `json:"error"`
	// Message is the human-readable explanation, or "".
	Message string `json:"message,omitempty"`
}

// WriteError answers e as JSON with status, with the headers the
// middleware's own answers carry (Content-Type application/json,
// X-Content-Type-Options nosniff). Set other headers, such as Retry-After,
// before calling it. An empty Message is filled in for the codes listed at
// [ErrorResponse].
func WriteError(w http.ResponseWriter, status int, e ErrorResponse) {
	if e.Message == "" {
		e.Message = errorMessage(e.Code)
	}
	b, err := json.Marshal(e)
	if err != nil { // two strings always marshal; keep the answer valid anyway
		b = []byte(`{"error":"internal"}`)
	}
	setJSONHeaders(w)
	w.WriteHeader(status)
	w.Write(append(b, '\n')) //nolint:errcheck // the client may be gone; nothing to do
}

// Values of the "status" and "error" fields in the middleware's and the
// Mux's JSON responses. They are stable: senders and tests may match them.
const (
	statusOK               = "ok"
	statusIgnored          = "ignored"
	statusUnprocessable    = "unprocessable"
	statusAlreadyProcessed = "already_processed"

	errMissingSignature   = "missing_signature"
	errMalformedSignature = "malformed_signature"
	errUnauthorized       = "unauthorized"
	errBodyTooLarge       = "body_too_large"
	errUnreadableBody     = "unreadable_body"
	errInFlight           = "in_flight"
	errReplayed           = "replayed"
	errFingerprint        = "fingerprint_mismatch"
	errStoreUnavailable   = "store_unavailable"
	errHandlerFailed      = "handler_failed"
	errNoEvent            = "no_verified_event"
)

// errorMessage returns the human text for one of this package's error
// codes, or "" for another code. The texts are constants that need no JSON
// escaping, and say nothing about why a request failed beyond its code.
func errorMessage(code string) string {
	switch code {
	case errMissingSignature:
		return "the request carries no signature header"
	case errMalformedSignature:
		return "the signature header is malformed"
	case errUnauthorized:
		return "the request could not be authenticated"
	case errBodyTooLarge:
		return "the body is larger than this endpoint accepts"
	case errUnreadableBody:
		return "the request body could not be read"
	case errInFlight:
		return "this message is being processed; retry later"
	case errReplayed:
		return "this signature was received before; retry with a fresh signature"
	case errFingerprint:
		return "this message id was received before with another body"
	case errStoreUnavailable:
		return "deliveries cannot be recorded now; retry later"
	case errHandlerFailed:
		return "the event could not be processed; retry later"
	case errNoEvent:
		return "the handler was reached without a verified event"
	}
	return ""
}

func setJSONHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
}

// writeStatus answers {"status":"<value>"} with code. Values are constants
// that need no escaping.
func writeStatus(w http.ResponseWriter, code int, value string) {
	setJSONHeaders(w)
	w.WriteHeader(code)
	var buf [64]byte
	b := append(buf[:0], `{"status":"`...)
	b = append(b, value...)
	b = append(b, "\"}\n"...)
	w.Write(b) //nolint:errcheck // the client may be gone; nothing to do
}

// writeError answers the [ErrorResponse] for one of this package's codes
// with status. It writes what [WriteError] would, without marshalling: the
// codes and their messages need no escaping.
func writeError(w http.ResponseWriter, status int, code string) {
	setJSONHeaders(w)
	w.WriteHeader(status)
	var buf [160]byte
	b := append(buf[:0], `{"error":"`...)
	b = append(b, code...)
	if msg := errorMessage(code); msg != "" {
		b = append(b, `","message":"`...)
		b = append(b, msg...)
	}
	b = append(b, "\"}\n"...)
	w.Write(b) //nolint:errcheck // the client may be gone; nothing to do
}

// failRetry is fail with a Retry-After of d, rounded up to whole seconds
// and at least 1.
func (m *middleware) failRetry(w http.ResponseWriter, r *http.Request, status int, code string, d time.Duration) {
	secs := max(int64((d+time.Second-1)/time.Second), 1)
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	m.fail(w, r, status, code)
}

// fail answers a request the middleware refuses with status and the
// [ErrorResponse] for code. With [MiddlewareOptions.ErrorFunc] set, the
// function writes the body, and the status stays status whatever it does.
func (m *middleware) fail(w http.ResponseWriter, r *http.Request, status int, code string) {
	if m.errorFunc == nil {
		writeError(w, status, code)
		return
	}
	pw := &pinnedWriter{ResponseWriter: w, status: status}
	m.errorFunc(pw, r, status, ErrorResponse{Code: code, Message: errorMessage(code)})
	if !pw.wrote {
		pw.WriteHeader(status)
	}
}

// pinnedWriter is what [MiddlewareOptions.ErrorFunc] writes to: it sends
// the status the middleware documents for the case, whichever one the
// function asks for, so that a sender's retries behave as documented.
type pinnedWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

// WriteHeader sends the pinned status, once.
func (w *pinnedWriter) WriteHeader(int) {
	if !w.wrote {
		w.wrote = true
		w.ResponseWriter.WriteHeader(w.status)
	}
}

// Write sends the pinned status first, if nothing did yet.
func (w *pinnedWriter) Write(b []byte) (int, error) {
	w.WriteHeader(w.status)
	return w.ResponseWriter.Write(b)
}

// Unwrap lets [http.ResponseController] reach the underlying writer.
func (w *pinnedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
