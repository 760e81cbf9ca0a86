package endpoints

import (
	"sync"
	"time"
)

// A delivery needs its endpoint's settings, its live secrets and its
// message. Reading all three for every attempt cost three of the six
// statements a delivery made, and a fan-out delivers one message to many
// endpoints and each endpoint many messages. So a Service keeps them in
// memory, bounded, and asks the database only whether they are still
// current:
//
//   - An endpoint (with its opened secrets) is kept by version. Every change
//     that matters to a delivery bumps the version (an update, a rotation,
//     a disable or enable, deletion removes the row), and the gate's first
//     statement, which a delivery makes anyway, returns the current version
//     and the columns that change without one (failing_since, the breaker).
//     An entry whose version differs is read again; a secret's expiry is
//     checked against the clock at each use, as the query did.
//   - A message never changes once published. It is kept for at most
//     msgCacheTTL, so that a deleted message (retention, a deleted
//     application) is not sent for long from memory; a deleted
//     application's endpoints are gone, which cancels its deliveries anyway.
const (
	maxCachedEndpoints = 4096
	maxCachedMessages  = 4096
	maxCachedMsgBytes  = 16 << 20
	msgCacheTTL        = 10 * time.Second
)

type cachedEndpoint struct {
	ep      Endpoint
	secrets []storedSecret // as liveSecrets read them: newest first
}

// endpointCache keeps endpoints and their opened secrets by id.
type endpointCache struct {
	mu sync.Mutex
	m  map[string]*cachedEndpoint
}

func newEndpointCache() *endpointCache { return &endpointCache{m: make(map[string]*cachedEndpoint)} }

func (c *endpointCache) get(id string) (*cachedEndpoint, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ce, ok := c.m[id]
	return ce, ok
}

// put keeps ep and its secrets unless a newer version is kept already.
func (c *endpointCache) put(ep Endpoint, secrets []storedSecret) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[ep.ID]; ok && old.ep.version > ep.version {
		return
	} else if !ok && len(c.m) >= maxCachedEndpoints {
		for id := range c.m { // evict one at random
			delete(c.m, id)
			break
		}
	}
	c.m[ep.ID] = &cachedEndpoint{ep: ep, secrets: secrets}
}

func (c *endpointCache) drop(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, id)
}

// live returns the secrets that have not expired at now, newest first.
func (ce *cachedEndpoint) live(now time.Time) []storedSecret {
	n := 0
	for _, s := range ce.secrets {
		if s.info.ExpiresAt == nil || s.info.ExpiresAt.After(now) {
			n++
		}
	}
	if n == len(ce.secrets) {
		return ce.secrets
	}
	out := make([]storedSecret, 0, n)
	for _, s := range ce.secrets {
		if s.info.ExpiresAt == nil || s.info.ExpiresAt.After(now) {
			out = append(out, s)
		}
	}
	return out
}

// messageCache keeps published messages by application and id, for
// msgCacheTTL, within maxCachedMessages and maxCachedMsgBytes. The
// deliveries of a fan-out start together, so concurrent reads of one
// message are made once (load).
type messageCache struct {
	mu      sync.Mutex
	m       map[msgKey]cachedMessage
	loading map[msgKey]*msgLoad
	bytes   int
}

type msgKey struct{ app, id string }

type cachedMessage struct {
	msg     MessageRecord
	expires time.Time
}

// msgLoad is a read of a message under way.
type msgLoad struct {
	done chan struct{}
	msg  MessageRecord
	err  error
}

func newMessageCache() *messageCache {
	return &messageCache{m: make(map[msgKey]cachedMessage), loading: make(map[msgKey]*msgLoad)}
}

// load returns the message from memory, or waits for a read of it under
// way, or reads it with read and keeps it.
func (c *messageCache) load(app, id string, read func() (MessageRecord, error)) (MessageRecord, error) {
	k := msgKey{app, id}
	c.mu.Lock()
	if cm, ok := c.m[k]; ok {
		if time.Now().Before(cm.expires) {
			c.mu.Unlock()
			return cm.msg, nil
		}
		c.remove(k, cm)
	}
	if l, ok := c.loading[k]; ok {
		c.mu.Unlock()
		<-l.done
		return l.msg, l.err
	}
	l := &msgLoad{done: make(chan struct{})}
	c.loading[k] = l
	c.mu.Unlock()
	l.msg, l.err = read()
	c.mu.Lock()
	delete(c.loading, k)
	if l.err == nil {
		c.put(k, l.msg)
	}
	c.mu.Unlock()
	close(l.done)
	return l.msg, l.err
}

// put keeps m under k; c.mu is held.
func (c *messageCache) put(k msgKey, m MessageRecord) {
	size := len(m.Payload) + len(m.ID) + len(m.EventType)
	if size > maxCachedMsgBytes/16 {
		return // a large message is read each time rather than crowd out the rest
	}
	if old, ok := c.m[k]; ok {
		c.remove(k, old)
	}
	for k2, cm := range c.m { // make room: any entries, at random
		if len(c.m) < maxCachedMessages && c.bytes+size <= maxCachedMsgBytes {
			break
		}
		c.remove(k2, cm)
	}
	c.m[k] = cachedMessage{msg: m, expires: time.Now().Add(msgCacheTTL)}
	c.bytes += size
}

func (c *messageCache) remove(k msgKey, cm cachedMessage) {
	delete(c.m, k)
	c.bytes -= len(cm.msg.Payload) + len(cm.msg.ID) + len(cm.msg.EventType)
}
