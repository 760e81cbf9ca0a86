package stripesig

import (
	"crypto/sha256"
	"errors"

	"github.com/signedhooks/webhook/internal/authkit"
	"github.com/signedhooks/webhook/internal/sigheader"
)

// Bounds on what a sender controls. A header over any of them is rejected
// with an error matching [webhook.ErrInvalidHeader] before any MAC runs.
const (
	// MaxHeaderLen is the longest Stripe-Signature value accepted, in bytes.
	MaxHeaderLen = 4096
	// MaxSignatures is the most "v1=" entries one header may hold.
	MaxSignatures = 8
)

var (
	errTooLong      = errors.New("header too long")
	errNoTimestamp  = errors.New("no t= entry")
	errBadTimestamp = errors.New("t= is not a unix timestamp in seconds")
	errDupTimestamp = errors.New("more than one t= entry")
	errNoSignature  = errors.New("no v1= entry")
	errBadSignature = errors.New("v1= is not 64 hex digits")
	errTooManySigs  = errors.New("too many v1= entries")
)

// sigHeader is a parsed Stripe-Signature value. It is a plain value, so parsing
// does not allocate.
type sigHeader struct {
	ts   string // as sent: the MAC covers these bytes
	unix int64
	sigs [MaxSignatures][sha256.Size]byte
	n    int
}

// parseHeader parses "t=<unix>,v1=<hex>[,v1=<hex>...]". Pairs are separated
// by ',', spaces and tabs around a pair are ignored, the first '=' splits key
// from value, and other keys (v0, future schemes) are ignored. A header needs
// exactly one t and at least one v1; hex may be upper or lower case.
func parseHeader(v string, h *sigHeader) error {
	if len(v) > MaxHeaderLen {
		return errTooLong
	}
	h.n, h.ts = 0, ""
	seenT := false
	for len(v) > 0 {
		var pair string
		pair, v = cut(v, ',')
		pair = trimSpace(pair)
		key, val := cut(pair, '=')
		switch key {
		case "t":
			if seenT {
				return errDupTimestamp
			}
			seenT = true
			n, ok := authkit.ParseUnix(val)
			if !ok {
				return errBadTimestamp
			}
			h.ts, h.unix = val, n
		case "v1":
			if h.n == MaxSignatures {
				return errTooManySigs
			}
			if !sigheader.DecodeHex(h.sigs[h.n][:], val) {
				return errBadSignature
			}
			h.n++
		}
	}
	if !seenT {
		return errNoTimestamp
	}
	if h.n == 0 {
		return errNoSignature
	}
	return nil
}

// cut splits s at the first sep; without sep it returns s and "".
func cut(s string, sep byte) (string, string) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
