// Package authkit holds the security rules that the root package and the
// signature schemes of this module share, each written once: the error
// values, pooled pre-keyed HMACs and the match of a MAC against a header's
// signatures, the secret checks, the timestamp rule, and the parsing of a
// "t=<unix>,<key>=<hex>" header. It imports nothing of this module but
// internal/sigheader, so that package webhook can build on it and re-export
// its errors.
package authkit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strconv"
	"sync"
	"time"
)

// MACSet is one pre-keyed HMAC-SHA256 per secret, plus scratch space, so that
// signing and verifying make no allocations. Keying a MAC costs as much as
// hashing two blocks, which dominates for small bodies, so sets are pooled
// and only Reset between uses.
type MACSet struct {
	// MACs holds one MAC per secret, in the order given to NewMACPool.
	MACs []hash.Hash
	// Sum receives a MAC sum without allocating: m.Sum(s.Sum[:0]).
	Sum [sha256.Size]byte
	// Buf is scratch space for a short signed prefix (id, timestamp) or a
	// signature copied out of a header for decoding.
	Buf [512]byte
}

// MACPool hands out MACSets keyed with a fixed list of secrets. It is safe
// for concurrent use.
type MACPool struct {
	n    int
	pool sync.Pool
}

// NewMACPool returns a pool of MACSets keyed with secrets. The caller must not
// change secrets afterwards.
func NewMACPool(secrets [][]byte) *MACPool {
	p := &MACPool{n: len(secrets)}
	p.pool.New = func() any {
		s := &MACSet{MACs: make([]hash.Hash, len(secrets))}
		for i, k := range secrets {
			s.MACs[i] = hmac.New(sha256.New, k)
		}
		return s
	}
	return p
}

// Len returns the number of secrets.
func (p *MACPool) Len() int { return p.n }

// Get returns a MACSet; give it back with Put.
func (p *MACPool) Get() *MACSet { return p.pool.Get().(*MACSet) }

// Put returns s to the pool.
func (p *MACPool) Put(s *MACSet) { p.pool.Put(s) }

// Match computes, with each secret in turn, the HMAC of prefix followed by
// body, and compares it with hmac.Equal to every one of sigs. It returns the
// index in sigs of a signature made with the first secret that made any, or
// -1. All of sigs are compared for a secret, whichever matches.
func (s *MACSet) Match(prefix, body []byte, sigs [][sha256.Size]byte) int {
	match := -1
	for _, m := range s.MACs {
		m.Reset()
		m.Write(prefix)
		m.Write(body)
		sum := m.Sum(s.Sum[:0])
		for j := range sigs {
			if hmac.Equal(sum, sigs[j][:]) {
				match = j
			}
		}
		if match >= 0 {
			break
		}
	}
	return match
}

// TimestampPrefix writes the signed prefix "<ts>." into s.Buf and returns
// it. ts is the timestamp exactly as it appears on the wire, at most
// MaxTimestampDigits long (as Parse guarantees).
func (s *MACSet) TimestampPrefix(ts string) []byte {
	n := copy(s.Buf[:len(s.Buf)-1], ts)
	s.Buf[n] = '.'
	return s.Buf[:n+1]
}

// AppendHeader appends "t=<unix>" and one ",<key>=<hex>" entry per MAC in
// macs, each the HMAC of "<unix>." followed by body, to dst and returns the
// extended slice: the value of a native (key "s") or Stripe (key "v1")
// signature header. buf (at least 21 bytes) receives the signed prefix and
// sum each MAC: the MACs are interfaces, so what they are given escapes, and
// the callers choose where that is (a pooled MACSet, or a small scratch
// space for one-off signing).
func AppendHeader(dst []byte, key string, macs []hash.Hash, buf []byte, sum *[sha256.Size]byte, ts time.Time, body []byte) []byte {
	dst = append(dst, "t="...)
	start := len(dst)
	dst = strconv.AppendInt(dst, ts.Unix(), 10)
	n := copy(buf, dst[start:])
	buf[n] = '.'
	for _, m := range macs {
		m.Reset()
		m.Write(buf[:n+1])
		m.Write(body)
		dst = append(dst, ',')
		dst = append(dst, key...)
		dst = append(dst, '=')
		dst = hex.AppendEncode(dst, m.Sum(sum[:0]))
	}
	return dst
}
