package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"sync"
)

// macSet is one pre-keyed HMAC-SHA256 per secret, plus scratch space so that
// signing and verifying make no allocations. Keying a MAC costs as much as
// hashing two blocks, which dominates for small bodies, so sets are pooled and
// only Reset between uses.
type macSet struct {
	macs []hash.Hash
	sum  [sha256.Size]byte
	buf  [24]byte // "<timestamp>." fits: timestamps have at most 19 digits
}

// macPool hands out macSets keyed with a fixed list of secrets.
type macPool struct {
	secrets [][]byte
	pool    sync.Pool
}

func newMACPool(secrets [][]byte) *macPool {
	p := &macPool{secrets: secrets}
	p.pool.New = func() any {
		s := &macSet{macs: make([]hash.Hash, len(p.secrets))}
		for i, k := range p.secrets {
			s.macs[i] = hmac.New(sha256.New, k)
		}
		return s
	}
	return p
}

func (p *macPool) get() *macSet  { return p.pool.Get().(*macSet) }
func (p *macPool) put(s *macSet) { p.pool.Put(s) }

// sum computes HMAC(secret i, "<ts>.<body>") into s.sum and returns it. ts is
// the timestamp exactly as it appears on the wire.
func (s *macSet) compute(i int, ts string, body []byte) []byte {
	n := copy(s.buf[:len(s.buf)-1], ts)
	s.buf[n] = '.'
	m := s.macs[i]
	m.Reset()
	m.Write(s.buf[:n+1])
	m.Write(body)
	return m.Sum(s.sum[:0])
}
