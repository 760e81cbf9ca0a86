package capture

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// serveHistory answers GET /history with the deliveries held, oldest first,
// as a JSON array.
func (s *Server) serveHistory(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	entries := s.hist.since(make([]*entry, 0, s.hist.len()), 0)
	s.mu.Unlock()
	list := make([]*Delivery, len(entries))
	for i, e := range entries {
		list[i] = e.d
	}
	writeJSON(w, http.StatusOK, list)
}

// serveEntry answers GET /history/{n} with delivery number n, or 404 when it
// is not (or no longer) held.
func (s *Server) serveEntry(w http.ResponseWriter, _ *http.Request, n string) {
	seq, err := strconv.ParseInt(n, 10, 64)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "delivery number must be an integer"})
		return
	}
	s.mu.Lock()
	e := s.hist.get(seq)
	s.mu.Unlock()
	if e == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such delivery in the history"})
		return
	}
	writeJSON(w, http.StatusOK, e.d)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
