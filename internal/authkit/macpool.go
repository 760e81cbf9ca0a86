// Package authkit holds the pieces that the signature schemes of this module
// share: pooled pre-keyed HMACs, secret checks and the timestamp rule.
package authkit

import (
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"sync"
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
