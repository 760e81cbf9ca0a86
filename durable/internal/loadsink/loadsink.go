// Package loadsink is the loopback receiver of durable's load tests, one
// endpoint per path, shared by the tests of package durable and of package
// endpoints (whose test binaries cannot share test files).
package loadsink

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	webhook "github.com/signedhooks/webhook"
)

// Sink is a loopback server for the load tests, one endpoint per path:
// a path answers after its delay with its status, and the sink records when
// each message first arrived, every arrival per path, and the most requests
// a path held at once. It does not verify signatures (other tests do).
type Sink struct {
	*httptest.Server
	mu       sync.Mutex
	delay    map[string]time.Duration
	status   map[string]int
	first    map[string]time.Time   // message id -> first arrival
	arrivals map[string][]time.Time // path -> every arrival
	inflight map[string]int
	peak     map[string]int
}

// New starts a Sink, closed when t ends.
func New(t testing.TB) *Sink {
	s := &Sink{delay: map[string]time.Duration{}, status: map[string]int{}, first: map[string]time.Time{},
		arrivals: map[string][]time.Time{}, inflight: map[string]int{}, peak: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now, path, id := time.Now(), r.URL.Path, r.Header.Get(webhook.IDHeader)
		s.mu.Lock()
		if _, ok := s.first[id]; !ok {
			s.first[id] = now
		}
		s.arrivals[path] = append(s.arrivals[path], now)
		s.inflight[path]++
		s.peak[path] = max(s.peak[path], s.inflight[path])
		delay, status := s.delay[path], s.status[path]
		s.mu.Unlock()
		select {
		case <-time.After(delay):
		case <-r.Context().Done(): // the worker stopped
		}
		s.mu.Lock()
		s.inflight[path]--
		s.mu.Unlock()
		w.WriteHeader(max(status, http.StatusOK))
	}))
	t.Cleanup(s.Close)
	return s
}

// Set makes path answer status after delay (status 0: 200).
func (s *Sink) Set(path string, delay time.Duration, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay[path], s.status[path] = delay, status
}

// Arrived returns when message id first arrived, if it did.
func (s *Sink) Arrived(id string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.first[id]
	return at, ok
}

// Stats returns every arrival at path and the most requests it held at once.
func (s *Sink) Stats(path string) (arrivals []time.Time, peak int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.arrivals[path]), s.peak[path]
}

// PeakRate returns the most arrivals within any window of length w.
func PeakRate(at []time.Time, w time.Duration) int {
	at = slices.Clone(at)
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	best, lo := 0, 0
	for hi := range at {
		for at[hi].Sub(at[lo]) >= w {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}
