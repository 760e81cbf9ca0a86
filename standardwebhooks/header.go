package standardwebhooks

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
)

// Bounds on what a sender controls. A request over any of them is rejected
// with an error matching [webhook.ErrInvalidHeader] before any MAC or
// signature check runs, so a hostile request costs at most a small constant
// plus one pass over the body per key.
const (
	// MaxHeaderLen is the longest webhook-signature value accepted, in bytes.
	MaxHeaderLen = 4096
	// MaxEntries is the most space-separated entries one webhook-signature
	// header may hold, counting versions this package does not know.
	MaxEntries = 16
	// MaxSignatures is the most v1 plus v1a signatures one header may hold.
	MaxSignatures = 8
	// MaxIDLen is the longest webhook-id accepted, in bytes.
	MaxIDLen = 256
)

const (
	v1Len  = 44 // base64 of 32 bytes, padded
	v1aLen = 88 // base64 of 64 bytes, padded
)

// strictB64 rejects non-canonical encodings, so one signature has exactly one
// spelling and the replay guard cannot be dodged by flipping unused bits.
var strictB64 = base64.StdEncoding.Strict()

var (
	errHeaderTooLong  = errors.New("webhook-signature header too long")
	errTooManyEntries = errors.New("too many webhook-signature entries")
	errTooManySigs    = errors.New("too many v1/v1a signatures")
	errBadV1          = errors.New("v1 signature is not base64 of 32 bytes")
	errBadV1a         = errors.New("v1a signature is not base64 of 64 bytes")
)

// sigs holds the signatures parsed from a webhook-signature header. It is a
// plain value, so parsing does not allocate.
type sigs struct {
	hmac [MaxSignatures][sha256.Size]byte
	nh   int
	ed   [MaxSignatures][ed25519.SignatureSize]byte
	ne   int
}

// parseSignatures parses a webhook-signature value: entries separated by
// spaces (runs of spaces and tabs are allowed, as is white space at either
// end), each "<version>,<base64>". v1 and v1a entries are decoded; entries
// with another version, or without a comma, are ignored, so senders can add
// new kinds of signature. An undecodable v1 or v1a entry fails the header.
func parseSignatures(v string, s *sigs) error {
	if len(v) > MaxHeaderLen {
		return errHeaderTooLong
	}
	s.nh, s.ne = 0, 0
	entries := 0
	for len(v) > 0 {
		i := 0
		for i < len(v) && (v[i] == ' ' || v[i] == '\t') {
			i++
		}
		v = v[i:]
		j := 0
		for j < len(v) && v[j] != ' ' && v[j] != '\t' {
			j++
		}
		entry := v[:j]
		v = v[j:]
		if entry == "" {
			continue
		}
		if entries++; entries > MaxEntries {
			return errTooManyEntries
		}
		var version, sig string
		for k := 0; k < len(entry); k++ {
			if entry[k] == ',' {
				version, sig = entry[:k], entry[k+1:]
				break
			}
		}
		switch version {
		case "v1":
			if s.nh+s.ne == MaxSignatures {
				return errTooManySigs
			}
			if !decodeB64(s.hmac[s.nh][:], sig, v1Len) {
				return errBadV1
			}
			s.nh++
		case "v1a":
			if s.nh+s.ne == MaxSignatures {
				return errTooManySigs
			}
			if !decodeB64(s.ed[s.ne][:], sig, v1aLen) {
				return errBadV1a
			}
			s.ne++
		}
	}
	return nil
}

// decodeB64 decodes src, which must be exactly n characters of padded,
// canonical standard base64, into dst, which must be exactly its decoded
// size. It does not allocate.
func decodeB64(dst []byte, src string, n int) bool {
	if len(src) != n {
		return false
	}
	var in [v1aLen]byte
	var out [v1aLen / 4 * 3]byte
	copy(in[:], src)
	m, err := strictB64.Decode(out[:], in[:n])
	if err != nil || m != len(dst) {
		return false
	}
	copy(dst, out[:m])
	return true
}
