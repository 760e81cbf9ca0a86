package capture

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// Verdicts recorded in [Delivery.Verdict].
const (
	VerdictValid     = "valid"     // the signature and timestamp checked out
	VerdictInvalid   = "invalid"   // verification failed; Reason says why
	VerdictUnchecked = "unchecked" // no secret was configured
)

// Body encodings recorded in [Delivery.BodyEncoding]. Either way Body holds
// the bytes exactly as received, so they verify against their signature.
const (
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
	// Type is the event type: the X-GitHub-Event header, else the body's
	// top-level "event" (this module's envelope) or "type" (Standard
	// Webhooks, Stripe) string; "" when there is none.
	Type string `json:"type,omitempty"`
	// DuplicateOf is the Seq of the first delivery in the history with the
	// same ID, or 0 when this is the first.
	DuplicateOf int64 `json:"duplicateOf,omitempty"`
	// Size is the number of body bytes read; Truncated reports that the body
	// was over the limit and only the first bytes are kept.
	Size      int  `json:"size"`
	Truncated bool `json:"truncated,omitempty"`
	// BodyEncoding says how Body holds the payload bytes as received: as
	// text, or in base64 when they are not UTF-8.
	BodyEncoding string `json:"bodyEncoding"`
	Body         string `json:"body"`
	// Pretty is the body indented for reading when it is JSON and the
	// indented form is not too large (see [pretty]); "" otherwise.
	Pretty string `json:"pretty,omitempty"`
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
	// ContentType and Body are the local endpoint's answer, its first
	// [MaxForwardBody] bytes (Truncated when there was more), as text or,
	// when not UTF-8, in base64 (BodyEncoding). The sender gets them too.
	ContentType  string `json:"contentType,omitempty"`
	BodyEncoding string `json:"bodyEncoding,omitempty"`
	Body         string `json:"body,omitempty"`
	Truncated    bool   `json:"truncated,omitempty"`

	raw []byte // Body as received, to answer the sender with
}

// Summary is the part of a [Delivery] that the live page lists.
type Summary struct {
	Seq         int64     `json:"seq"`
	Time        time.Time `json:"time"`
	Method      string    `json:"method"`
	Path        string    `json:"path"`
	Source      string    `json:"source"`
	ID          string    `json:"id,omitempty"`
	Type        string    `json:"type,omitempty"`
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
		ID: d.ID, Type: d.Type, DuplicateOf: d.DuplicateOf, Size: d.Size, Verdict: d.Verdict,
		Reason: d.Reason, Status: d.Status, Forward: d.Forward,
	}
}

// setBody stores body as received, its indented form when it is JSON and
// reserve grants the memory that takes, and the event type it names.
func (d *Delivery) setBody(body []byte, reserve func(n int64) bool) {
	if utf8.Valid(body) {
		d.BodyEncoding, d.Body = EncodingText, string(body)
	} else {
		d.BodyEncoding, d.Body = EncodingBase64, base64.StdEncoding.EncodeToString(body)
	}
	isJSON := looksLikeJSON(body) && json.Valid(body)
	if isJSON {
		if n := indentedLen(body); n >= 0 && reserve(int64(n)) {
			d.Pretty = indent(body, n)
		}
	}
	d.Type = eventType(d.Header, body, isJSON)
}

// maxTypeLen bounds the event type recorded; a sender chooses it.
const maxTypeLen = 200

// eventType returns the event type a delivery names, or "": the
// X-GitHub-Event header, else the top-level "event" or "type" string of
// body, which is valid JSON when isJSON.
func eventType(h http.Header, body []byte, isJSON bool) string {
	if t := h.Get("X-GitHub-Event"); t != "" {
		return clip(t, maxTypeLen)
	}
	if !isJSON {
		return ""
	}
	event, typ := topLevelStrings(body, `"event"`, `"type"`)
	if event == "" {
		event = typ
	}
	return clip(event, maxTypeLen)
}

// topLevelStrings returns the string values of the members named key1 and
// key2 (quoted, as they are written) of the JSON object body, which must
// be valid JSON; "" for a member that is missing or not a string. It reads
// body once, skipping nested values without decoding them.
func topLevelStrings(body []byte, key1, key2 string) (v1, v2 string) {
	depth := 0
	var key []byte   // the member name just read at depth 1, until its value
	wantKey := false // at depth 1, the next string is a member name
	for i := 0; i < len(body); i++ {
		switch c := body[i]; c {
		case ' ', '\t', '\r', '\n', ':':
		case '"':
			j := i + 1
			for ; body[j] != '"'; j++ {
				if body[j] == '\\' {
					j++
				}
			}
			if depth == 1 {
				switch {
				case wantKey:
					key, wantKey = body[i:j+1], false
				case string(key) == key1 && v1 == "":
					_ = json.Unmarshal(body[i:j+1], &v1)
				case string(key) == key2 && v2 == "":
					_ = json.Unmarshal(body[i:j+1], &v2)
				}
			}
			i = j
		case '{', '[':
			if depth == 0 && c != '{' {
				return "", ""
			}
			depth++
			wantKey = depth == 1
			key = nil
		case '}', ']':
			depth--
		case ',':
			wantKey, key = depth == 1, nil
		default: // a number, true, false or null
			key = nil
		}
	}
	return v1, v2
}

// clip returns s cut to at most n bytes, on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// cost is the approximate memory a delivery holds, for the history bound.
func (d *Delivery) cost() int64 {
	n := len(d.Body) + len(d.Pretty) + len(d.Path) + len(d.Source) + len(d.ID) + len(d.Type) + len(d.Reason) + 256
	if f := d.Forward; f != nil {
		n += len(f.Body) + len(f.raw) + len(f.ContentType) + len(f.Error)
	}
	for k, vs := range d.Header {
		n += len(k)
		for _, v := range vs {
			n += len(v) + 16
		}
	}
	return int64(n)
}

// contains reports whether q, already lower case, occurs ignoring case in
// d's body as received, its headers, path, reason or forward answer.
func (d *Delivery) contains(q string) bool {
	has := func(s string) bool { return strings.Contains(strings.ToLower(s), q) }
	if has(d.Path) || has(d.Reason) || (d.BodyEncoding == EncodingText && has(d.Body)) {
		return true
	}
	for k, vs := range d.Header {
		if has(k) {
			return true
		}
		for _, v := range vs {
			if has(v) {
				return true
			}
		}
	}
	return d.Forward != nil && has(d.Forward.Body)
}
