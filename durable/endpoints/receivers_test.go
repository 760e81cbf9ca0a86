package endpoints_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	webhook "github.com/signedhooks/webhook"
)

// receivers is a loopback server standing for many endpoints, one per
// path; each path verifies with the secrets registered for it (by the
// shared clock) and records what it received.
type receivers struct {
	*httptest.Server
	clock   *epClock
	mu      sync.Mutex
	secrets map[string][]string        // path -> secrets ("whsec_...")
	got     map[string][]*http.Request // path -> verified requests, body read into GetBody
	bad     map[string]int             // path -> requests that failed verification
	status  map[string]int             // path -> status to answer (default 200)
	conns   atomic.Int64               // connections accepted
}

func newReceivers(t testing.TB, clock *epClock) *receivers {
	rc := &receivers{clock: clock, secrets: map[string][]string{}, got: map[string][]*http.Request{},
		bad: map[string]int{}, status: map[string]int{}}
	rc.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		path := r.URL.Path
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		ok := false
		for _, s := range rc.secrets[path] {
			if rc.verify(s, r) == nil {
				ok = true
			}
		}
		if !ok {
			rc.bad[path]++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		rc.got[path] = append(rc.got[path], r)
		status := rc.status[path]
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
	}))
	rc.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			rc.conns.Add(1)
		}
	}
	rc.Start()
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receivers) verify(secret string, r *http.Request) error {
	key, err := webhook.ParseSecret(secret)
	if err != nil {
		return err
	}
	v, err := webhook.NewVerifier(key, &webhook.VerifierOptions{Now: rc.clock.Now})
	if err != nil {
		return err
	}
	r2 := r.Clone(context.Background())
	r2.Body, _ = r.GetBody()
	_, err = v.VerifyRequest(r2)
	return err
}

func (rc *receivers) set(path, secret string, status int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.secrets[path] = append(rc.secrets[path], secret)
	rc.status[path] = status
}

func (rc *receivers) setStatus(path string, status int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.status[path] = status
}

// ids returns the message ids received verified on path, in order.
func (rc *receivers) ids(path string) []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []string
	for _, r := range rc.got[path] {
		out = append(out, r.Header.Get(webhook.IDHeader))
	}
	return out
}

// last returns the last verified request on path.
func (rc *receivers) last(path string) *http.Request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rs := rc.got[path]
	if len(rs) == 0 {
		return nil
	}
	return rs[len(rs)-1]
}

// badCount returns how many requests on path failed verification.
func (rc *receivers) badCount(path string) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.bad[path]
}

// distinct returns ids without repeats, in first-seen order.
func distinct(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// noT lets assert's comparison helpers serve as conditions for Eventually
// without reporting each unmet poll as a failure.
type noT struct{}

func (noT) Errorf(string, ...any) {}
