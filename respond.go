package webhook

import (
	"net/http"
	"strconv"
	"time"
)

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

// writeJSON answers {"<field>":"<value>"} with status. Values are constants
// that need no escaping.
func writeJSON(w http.ResponseWriter, status int, field, value string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	var buf [64]byte
	b := append(buf[:0], `{"`...)
	b = append(b, field...)
	b = append(b, `":"`...)
	b = append(b, value...)
	b = append(b, "\"}\n"...)
	w.Write(b) //nolint:errcheck // the client may be gone; nothing to do
}

// writeStatus answers {"status":"<value>"}.
func writeStatus(w http.ResponseWriter, code int, value string) {
	writeJSON(w, code, "status", value)
}

// writeError answers {"error":"<value>"}.
func writeError(w http.ResponseWriter, code int, value string) {
	writeJSON(w, code, "error", value)
}

// writeRetry answers {"error":"<value>"} with a Retry-After of d, rounded
// up to whole seconds and at least 1.
func writeRetry(w http.ResponseWriter, code int, value string, d time.Duration) {
	secs := int64((d + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	writeError(w, code, value)
}
