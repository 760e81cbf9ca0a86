package capture

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// client is one live page connected to /events. Deliveries wait in ch; when
// ch is full the client is dropped (ch closed) rather than slowing capture.
type client struct {
	ch chan *entry
}

// heartbeat keeps idle streams open through proxies and lets a dead
// connection be noticed.
const heartbeat = 15 * time.Second

// publish hands e to every client; s.mu must be held. A client whose buffer
// is full is disconnected: its browser reconnects with Last-Event-ID and
// catches up from the history.
func (s *Server) publish(e *entry) {
	for c := range s.clients {
		select {
		case c.ch <- e:
		default:
			close(c.ch)
			delete(s.clients, c)
		}
	}
}

// summaryJSON returns the listing of e, encoding it the first time; s.mu
// must be held.
func (e *entry) summaryJSON() []byte {
	if e.summary == nil {
		e.summary, _ = json.Marshal(e.d.Summary()) // plain data: cannot fail
	}
	return e.summary
}

// serveEvents streams deliveries as server-sent events: first those after
// Last-Event-ID (or ?since=N) still in the history, then each new one.
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	if r.Method == http.MethodHead {
		w.Header().Set("Content-Type", "text/event-stream")
		return
	}
	last := lastEventID(r)
	c := &client{ch: make(chan *entry, s.opts.ClientBuffer)}

	s.mu.Lock()
	if s.closed || len(s.clients) >= s.opts.MaxClients {
		s.mu.Unlock()
		http.Error(w, "too many live pages", http.StatusServiceUnavailable)
		return
	}
	backlog := s.hist.since(nil, last)
	msgs := make([][]byte, len(backlog))
	for i, e := range backlog {
		msgs[i] = e.summaryJSON()
	}
	s.clients[c] = struct{}{}
	s.mu.Unlock()
	defer s.drop(c)

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write([]byte("retry: 1000\n\n")); err != nil {
		return
	}
	for i, e := range backlog {
		if writeEvent(w, e.d.Seq, msgs[i]) != nil {
			return
		}
	}
	flusher.Flush()

	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		case <-tick.C:
			if _, err := w.Write([]byte(": ping\n\n")); err != nil {
				return
			}
			flusher.Flush()
		case e, ok := <-c.ch:
			if !ok {
				return // fell behind; the browser reconnects and catches up
			}
			s.mu.Lock()
			msg := e.summaryJSON()
			s.mu.Unlock()
			if writeEvent(w, e.d.Seq, msg) != nil {
				return
			}
			flusher.Flush()
		}
	}
}

// drop unregisters c if publish has not already done so.
func (s *Server) drop(c *client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clients[c]; ok {
		delete(s.clients, c)
		close(c.ch)
	}
}

// Clients returns the number of live pages connected.
func (s *Server) Clients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.clients)
}

func writeEvent(w http.ResponseWriter, seq int64, data []byte) error {
	b := make([]byte, 0, len(data)+48)
	b = append(b, "id: "...)
	b = strconv.AppendInt(b, seq, 10)
	b = append(b, "\nevent: delivery\ndata: "...)
	b = append(b, data...) // compact JSON: no newlines
	b = append(b, "\n\n"...)
	_, err := w.Write(b)
	return err
}

func lastEventID(r *http.Request) int64 {
	v := r.Header.Get("Last-Event-ID")
	if v == "" {
		v = r.URL.Query().Get("since")
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}
