package endpoints

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
)

const (
	maxURLLen         = 2048
	maxDescriptionLen = 1024
	maxHeaders        = 16
	maxHeaderValueLen = 1024
	maxRateLimit      = 10_000
	maxIDLen          = 64
	maxConcurrency    = 1000 // Input.MaxConcurrency (gate14)
)

// checkID accepts an application id: 1 to 64 letters, digits, '_', '-',
// '.' or ':'.
func checkID(what, id string) error {
	if id == "" || len(id) > maxIDLen {
		return fmt.Errorf("%w: %s must be 1 to %d bytes", ErrInvalidField, what, maxIDLen)
	}
	for _, c := range []byte(id) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == ':') {
			return fmt.Errorf("%w: %s may hold only letters, digits, '_', '-', '.' and ':'", ErrInvalidField, what)
		}
	}
	return nil
}

// checkURL accepts an absolute http(s) URL of valid text; unless private
// networks are allowed, it refuses what the Sender's guard would refuse,
// by the guard's own rule ([webhook.CheckURL]): every address form of a
// loopback, private, link-local or otherwise internal host, and loopback
// names. A name is resolved only at dial time, where the guard checks every
// address again.
func checkURL(raw string, o *Options) error {
	if len(raw) > maxURLLen {
		return fmt.Errorf("%w: longer than %d bytes", durable.ErrInvalidURL, maxURLLen)
	}
	if !validText(raw) {
		return &inputError{msg: ErrInvalidText.Error() + ": the URL holds a NUL byte or invalid UTF-8", is: []error{ErrInvalidText, durable.ErrInvalidURL}}
	}
	err := webhook.CheckURL(raw, o.AllowNetworks)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, webhook.ErrBlockedAddress):
		if o.InsecureAllowPrivateNetworks {
			return nil
		}
		detail := strings.TrimPrefix(err.Error(), webhook.ErrBlockedAddress.Error()+": ")
		return &inputError{msg: ErrBlockedURL.Error() + ": " + detail, is: []error{durable.ErrInvalidURL, ErrBlockedURL, err}}
	}
	detail := strings.TrimPrefix(err.Error(), webhook.ErrInvalidURL.Error()+": ")
	return &inputError{msg: durable.ErrInvalidURL.Error() + ": " + detail, is: []error{durable.ErrInvalidURL, err}}
}

// inputError is a refused input that matches several sentinels (an
// endpoint URL that is both invalid and blocked, text that is both invalid
// text and an invalid field), with one message.
type inputError struct {
	msg string
	is  []error
}

func (e *inputError) Error() string   { return e.msg }
func (e *inputError) Unwrap() []error { return e.is }

// validText reports whether s can be stored in a text column of either
// backend: valid UTF-8 without NUL bytes (PostgreSQL refuses both).
func validText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// checkText refuses text that [validText] refuses with [ErrInvalidText],
// which matches [ErrInvalidField] too.
func checkText(what, s string) error {
	if validText(s) {
		return nil
	}
	return &inputError{msg: fmt.Sprintf("%s: %s holds a NUL byte or invalid UTF-8", ErrInvalidText, what), is: []error{ErrInvalidText, ErrInvalidField}}
}

// reservedHeaders cannot be set per endpoint: they carry the signature or
// belong to the transport.
var reservedHeaders = map[string]bool{
	"Content-Type": true, "Content-Length": true, "Host": true, "User-Agent": true,
	"Connection": true, "Transfer-Encoding": true, "Te": true, "Trailer": true,
	"Upgrade": true, "Keep-Alive": true, "Proxy-Authorization": true, "Proxy-Connection": true,
}

// normalizeHeaders checks extra headers and canonicalizes their names.
func normalizeHeaders(h map[string]string) (map[string]string, error) {
	if len(h) > maxHeaders {
		return nil, fmt.Errorf("%w: at most %d headers", ErrInvalidField, maxHeaders)
	}
	out := make(map[string]string, len(h))
	for k, v := range h {
		if k == "" || len(k) > 64 || !isToken(k) {
			return nil, fmt.Errorf("%w: header names are 1 to 64 letters, digits, '-' and '_'", ErrInvalidField)
		}
		name := http.CanonicalHeaderKey(k)
		if reservedHeaders[name] || strings.HasPrefix(name, "X-Webhook-") {
			return nil, fmt.Errorf("%w: header %s cannot be set", ErrInvalidField, name)
		}
		if err := checkText("the value of header "+name, v); err != nil {
			return nil, err
		}
		if len(v) > maxHeaderValueLen || strings.ContainsAny(v, "\r\n") {
			return nil, fmt.Errorf("%w: value of header %s: at most %d bytes, no line breaks", ErrInvalidField, name, maxHeaderValueLen)
		}
		out[name] = v
	}
	return out, nil
}

func isToken(s string) bool {
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// checkInput validates a whole endpoint and returns its normalized filter
// patterns and headers.
func checkInput(in *Input, o *Options) (patterns []string, headers map[string]string, err error) {
	if err := checkURL(in.URL, o); err != nil {
		return nil, nil, err
	}
	if err := checkText("the description", in.Description); err != nil {
		return nil, nil, err
	}
	if len(in.Description) > maxDescriptionLen {
		return nil, nil, fmt.Errorf("%w: description must be UTF-8 of at most %d bytes", ErrInvalidField, maxDescriptionLen)
	}
	if !(in.RateLimit >= 0 && in.RateLimit <= maxRateLimit) || in.Burst < 0 || in.Burst > maxRateLimit {
		return nil, nil, fmt.Errorf("%w: rate_limit and burst must be between 0 and %d", ErrInvalidField, maxRateLimit)
	}
	if in.MaxConcurrency < 0 || in.MaxConcurrency > maxConcurrency {
		return nil, nil, fmt.Errorf("%w: max_concurrency must be between 0 and %d", ErrInvalidField, maxConcurrency)
	}
	if patterns, err = normalizeFilter(in.Filter); err != nil {
		return nil, nil, err
	}
	if headers, err = normalizeHeaders(in.Headers); err != nil {
		return nil, nil, err
	}
	return patterns, headers, nil
}
