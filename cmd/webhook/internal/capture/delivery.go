package capture

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"
	"unicode/utf8"
)

// Verdicts recorded in [Delivery.Verdict].
const (
	VerdictValid     = "valid"     // the signature and timestamp checked out
	VerdictInvalid   = "invalid"   // verification failed; Reason says why
	VerdictUnchecked = "unchecked" // no secret was configured
)

// Body encodings recorded in [Delivery.BodyEncoding].
const (
	EncodingJSON   = "json"   // Body is the JSON payload, indented
	EncodingText   = "text"   // Body is the raw payload, valid UTF-8
	EncodingBase64 = "base64" // Body is the raw payload in standard base64
)

// Delivery is one captured request. A recorded Delivery is never modified,
// so it may be read from any goroutine.
type Delivery struct {
	// Seq numbers deliveries from 1 in the order they were recorded.
	Seq int64 `json:"seq"`
	// Time is when the request arrived.
	Time time.Time `json:"time"`
	// Method and Path (with query) of the request.
	Method string `json:"method"`
	Path   string `json:"path"`
	// Source is the remote address of the sender.
	Source string `json:"source"`
	// Header holds the request headers as received.
	Header http.Header `json:"headers"`
	// ID is the message id header, if any.
	ID string `json:"id,omitempty"`
	// DuplicateOf is the Seq of the first delivery in the history with the
	// same ID, or 0 when this is the first.
	DuplicateOf int64 `json:"duplicateOf,omitempty"`
	// Size is the number of body bytes read; Truncated reports that the body
	// was over the limit and only the first bytes are kept.
	Size      int  `json:"size"`
	Truncated bool `json:"truncated,omitempty"`
	// BodyEncoding says how Body holds the payload: indented JSON, text or
	// base64 for bytes that are not UTF-8.
	BodyEncoding string `json:"bodyEncoding"`
	Body         string `json:"body"`
	// Verdict of signature verification, and the Reason when invalid.
	Verdict string `json:"verdict"`
	Reason  string `json:"reason,omitempty"`
	// Status is the HTTP status answered to the sender.
	Status int `json:"status"`
	// Forward is the outcome of relaying the delivery, when it was relayed.
	Forward *Forward `json:"forward,omitempty"`
}

// Forward is the outcome of relaying one delivery to the forward URL.
type Forward struct {
	// Status is the local endpoint's HTTP status, 0 when no answer came.
	Status int `json:"status"`
	// Error says why no answer came.
	Error string `json:"error,omitempty"`
	// DurationMS is how long the relay took, in milliseconds.
	DurationMS float64 `json:"durationMs"`
}

// Summary is the part of a [Delivery] that the live page lists.
type Summary struct {
	Seq         int64     `json:"seq"`
	Time        time.Time `json:"time"`
	Method      string    `json:"method"`
	Path        string    `json:"path"`
	Source      string    `json:"source"`
	ID          string    `json:"id,omitempty"`
	DuplicateOf int64     `json:"duplicateOf,omitempty"`
	Size        int       `json:"size"`
	Verdict     string    `json:"verdict"`
	Reason      string    `json:"reason,omitempty"`
	Status      int       `json:"status"`
	Forward     *Forward  `json:"forward,omitempty"`
}

// Summary returns the listing fields of d.
func (d *Delivery) Summary() Summary {
	return Summary{
		Seq: d.Seq, Time: d.Time, Method: d.Method, Path: d.Path, Source: d.Source,
		ID: d.ID, DuplicateOf: d.DuplicateOf, Size: d.Size, Verdict: d.Verdict,
		Reason: d.Reason, Status: d.Status, Forward: d.Forward,
	}
}

// setBody stores body in its display form: indented when it is JSON, as is
// when it is UTF-8 text, base64 otherwise.
func (d *Delivery) setBody(body []byte) {
	if len(body) > 0 && looksLikeJSON(body) {
		// Indent validates as it goes: one pass, and no output on error.
		var buf bytes.Buffer
		buf.Grow(len(body) + len(body)/4)
		if json.Indent(&buf, body, "", "  ") == nil {
			d.BodyEncoding, d.Body = EncodingJSON, buf.String()
			return
		}
	}
	if utf8.Valid(body) {
		d.BodyEncoding, d.Body = EncodingText, string(body)
		return
	}
	d.BodyEncoding, d.Body = EncodingBase64, base64.StdEncoding.EncodeToString(body)
}

// cost is the approximate memory a delivery holds, for the history bound.
func (d *Delivery) cost() int64 {
	n := len(d.Body) + len(d.Path) + len(d.Source) + len(d.ID) + len(d.Reason) + 256
	for k, vs := range d.Header {
		n += len(k)
		for _, v := range vs {
			n += len(v) + 16
		}
	}
	return int64(n)
}

// looksLikeJSON is a cheap first check: the first non-space byte of a JSON
// document is one of these.
func looksLikeJSON(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{', '[', '"', '-', 't', 'f', 'n', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			return true
		}
		return false
	}
	return false
}
