package standardwebhooks

import "sync"

// ed25519 signs the whole message "<id>.<timestamp>.<body>" at once, so it
// needs one contiguous copy. The copies come from a pool so that verifying
// and signing do not allocate in the steady state.
var msgPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// maxPooledMsg keeps a rare huge body from pinning its buffer in the pool.
const maxPooledMsg = 2 << 20

// getMsg returns a pooled buffer holding "<id>.<ts>.<body>".
func getMsg(id, ts string, body []byte) *[]byte {
	p := msgPool.Get().(*[]byte)
	b := append((*p)[:0], id...)
	b = append(b, '.')
	b = append(b, ts...)
	b = append(b, '.')
	b = append(b, body...)
	*p = b
	return p
}

func putMsg(p *[]byte) {
	if cap(*p) <= maxPooledMsg {
		msgPool.Put(p)
	}
}

// prefix writes "<id>.<ts>." into buf and returns it; buf must hold
// MaxIDLen + 14 bytes.
func prefix(buf []byte, id, ts string) []byte {
	n := copy(buf, id)
	buf[n] = '.'
	n++
	n += copy(buf[n:], ts)
	buf[n] = '.'
	return buf[:n+1]
}
