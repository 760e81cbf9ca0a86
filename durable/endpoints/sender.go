package endpoints

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	webhook "github.com/signedhooks/webhook"
)

// maxCachedSenders bounds the per-endpoint Senders kept by one process.
const maxCachedSenders = 4096

// senderCache keeps one [webhook.Sender] per endpoint, for its signer
// (its secrets and extra headers); its rate limit and concurrency cap are
// the gate's, in the database. The Senders are derived from one base
// Sender ([webhook.Sender.WithSigner]), so they send over one pool of
// kept-alive connections: endpoints on one host reuse each other's
// connections, the idle connections of all endpoints stay within the
// pool's bounds however many endpoints there are, and the base's guard
// against server-side request forgery checks every dial. An entry is
// rebuilt when the endpoint changes (its version) or a secret leaves its
// grace period (the set of live secrets).
type senderCache struct {
	opts Options
	base *webhook.Sender // whose client every endpoint's Sender shares; it never signs
	mu   sync.Mutex
	m    map[string]cachedSender
}

type cachedSender struct {
	key    string
	sender *webhook.Sender
}

func newSenderCache(o Options) (*senderCache, error) {
	base, err := webhook.NewSender(&webhook.SenderOptions{
		Signer:               noSigner{},
		AttemptTimeout:       o.AttemptTimeout,
		BlockPrivateNetworks: !o.InsecureAllowPrivateNetworks,
		AllowNetworks:        o.AllowNetworks,
		MaxResponseBytes:     512,
		Now:                  o.Now,
		WrapTransport:        o.WrapTransport,
	})
	if err != nil {
		return nil, err
	}
	return &senderCache{opts: o, base: base, m: make(map[string]cachedSender)}, nil
}

func (c *senderCache) get(ep *Endpoint, secrets []storedSecret) (*webhook.Sender, error) {
	var kb strings.Builder
	fmt.Fprintf(&kb, "%d", ep.version)
	for _, s := range secrets {
		fmt.Fprintf(&kb, ",%d", s.info.ID)
	}
	key := kb.String()
	c.mu.Lock()
	if cs, ok := c.m[ep.ID]; ok && cs.key == key {
		c.mu.Unlock()
		return cs.sender, nil
	}
	c.mu.Unlock()

	if len(secrets) == 0 {
		return nil, errors.New("durable: endpoint has no live secret")
	}
	keys := make([]string, len(secrets))
	for i, s := range secrets {
		keys[i] = webhook.FormatSecret(s.key)
	}
	signer, err := c.opts.NewSigner(keys)
	if err != nil {
		return nil, fmt.Errorf("durable: endpoint signer: %w", err)
	}
	h := make(http.Header, len(ep.Headers))
	for k, v := range ep.Headers {
		h.Set(k, v)
	}
	s, err := c.base.WithSigner(headerSigner{signer: signer, extra: h})
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[ep.ID]; !ok && len(c.m) >= maxCachedSenders {
		for id := range c.m { // evict one at random
			delete(c.m, id)
			break
		}
	}
	c.m[ep.ID] = cachedSender{key: key, sender: s}
	return s, nil
}

// closeAll forgets the endpoints' Senders and closes the pool's idle
// connections.
func (c *senderCache) closeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
	c.base.CloseIdleConnections()
}

// noSigner is the base Sender's signer, which signs nothing: only the
// Senders derived from the base send.
type noSigner struct{}

func (noSigner) SignHeaders(http.Header, string, time.Time, []byte) error {
	return errors.New("durable: the endpoints' base Sender does not sign")
}

// headerSigner adds an endpoint's extra headers, then signs.
type headerSigner struct {
	signer webhook.HeaderSigner
	extra  http.Header
}

func (s headerSigner) SignHeaders(h http.Header, id string, ts time.Time, body []byte) error {
	for k, v := range s.extra {
		h[k] = v
	}
	return s.signer.SignHeaders(h, id, ts, body)
}

// TypeField passes on the wrapped signer's [webhook.TypeFielder], so that
// the Sender names the envelope's type field as the endpoint's scheme
// does ("" means the default).
func (s headerSigner) TypeField() string {
	if tf, ok := s.signer.(webhook.TypeFielder); ok {
		return tf.TypeField()
	}
	return ""
}
