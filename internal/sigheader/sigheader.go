// Package sigheader parses the "t=<unix>,<key>=<hex>" signature header
// that this module's native format (key "s") and Stripe's (key "v1") share.
//
// The parser is written for the verification hot path: it makes no
// allocations, never copies the header, and bounds the work a hostile header
// can cause (length and number of signatures).
package sigheader

import (
	"errors"
	"strings"
	"time"
)

const (
	// MaxLen is the longest header value accepted, in bytes.
	// One signature entry is 66 bytes ("s=" + 64 hex digits), so this leaves
	// room for MaxSignatures entries, a timestamp and some unknown keys.
	MaxLen = 4096

	// MaxSignatures is the most "s=" entries one header may carry.
	MaxSignatures = 8

	// SigSize is the size of a decoded HMAC-SHA256 signature.
	SigSize = 32

	// MaxTimestampDigits keeps the timestamp well inside int64 and inside the
	// range time.Unix handles without overflow: 12 digits reach the year 33658.
	MaxTimestampDigits = 12
)

// The keys of the signature entries of the two formats that share this
// header.
const (
	// NativeKey is the key of a signature in this module's format.
	NativeKey = "s"
	// StripeKey is the key of a signature in Stripe's format.
	StripeKey = "v1"
)

// Errors returned by Parse. The root package maps them onto its exported
// sentinels.
var (
	ErrEmpty        = errors.New("empty header")
	ErrTooLong      = errors.New("header too long")
	ErrNoTimestamp  = errors.New("no t= entry")
	ErrBadTimestamp = errors.New("t= is not a unix timestamp in seconds")
	ErrDupTimestamp = errors.New("more than one t= entry")
	ErrNoSignature  = errors.New("no signature entry")
	ErrBadSignature = errors.New("a signature is not 64 hex digits")
	ErrTooManySigs  = errors.New("too many signature entries")
)

// Header is a parsed signature header. It is a plain value: returning it does
// not allocate.
type Header struct {
	// TS is the raw timestamp text exactly as sent; the MAC covers these
	// bytes, so it must not be re-formatted.
	TS string
	// Unix is TS as a number.
	Unix int64
	// Sigs holds the decoded signatures; only the first N are set.
	Sigs [MaxSignatures][SigSize]byte
	// N is the number of signatures.
	N int
}

// Time returns the timestamp as a time.Time.
func (h *Header) Time() time.Time { return time.Unix(h.Unix, 0) }

// Parse parses a header value into h, taking the entries named sigKey
// ([NativeKey] or [StripeKey]) as signatures. Pairs are separated by ',',
// spaces and tabs around a pair are ignored, the first '=' splits key from
// value, and other keys are ignored, so senders can add new ones. A pair
// without '=' is a key with an empty value: ignored when unknown, refused
// when it is "t" or sigKey, since a timestamp or a signature without a value
// is malformed, not an extension. A header needs exactly one "t" and at least
// one signature.
func Parse(v, sigKey string, h *Header) error {
	if len(v) == 0 {
		return ErrEmpty
	}
	if len(v) > MaxLen {
		return ErrTooLong
	}
	h.N = 0
	h.TS = ""
	seenT := false
	for len(v) > 0 {
		var pair string
		if i := strings.IndexByte(v, ','); i >= 0 {
			pair, v = v[:i], v[i+1:]
		} else {
			pair, v = v, ""
		}
		pair = trimSpace(pair)
		if pair == "" {
			continue
		}
		key, val := pair, ""
		if eq := strings.IndexByte(pair, '='); eq >= 0 {
			key, val = pair[:eq], pair[eq+1:]
		}
		switch key {
		case "t":
			if seenT {
				return ErrDupTimestamp
			}
			seenT = true
			n, ok := ParseUnix(val)
			if !ok {
				return ErrBadTimestamp
			}
			h.TS, h.Unix = val, n
		case sigKey:
			if h.N == MaxSignatures {
				return ErrTooManySigs
			}
			if !DecodeHex(h.Sigs[h.N][:], val) {
				return ErrBadSignature
			}
			h.N++
		}
	}
	if !seenT {
		return ErrNoTimestamp
	}
	if h.N == 0 {
		return ErrNoSignature
	}
	return nil
}

// ParseUnix parses a unix timestamp in seconds written as 1 to
// MaxTimestampDigits ASCII digits, without sign or spaces.
func ParseUnix(s string) (int64, bool) {
	if len(s) == 0 || len(s) > MaxTimestampDigits {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// DecodeHex decodes the hex string src into dst, which must be exactly half
// its length. Upper- and lower-case digits are accepted. It reports whether
// src was valid. It does not allocate.
func DecodeHex(dst []byte, src string) bool {
	if len(src) != 2*len(dst) {
		return false
	}
	var bad byte
	for i := range dst {
		hi, lo := hexValue[src[2*i]], hexValue[src[2*i+1]]
		bad |= hi | lo
		dst[i] = hi<<4 | lo&0x0f
	}
	// Invalid digits map to 0xff, so any of them sets the high nibble.
	return bad&0xf0 == 0
}

// hexValue maps a byte to its hex digit value, or 0xff when it is not one.
var hexValue = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c-'a') + 10
		t[c-'a'+'A'] = byte(c-'a') + 10
	}
	return t
}()

func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
