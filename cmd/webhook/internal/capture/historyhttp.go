package capture

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// serveHistory answers GET /history with the deliveries held, oldest first,
// as a JSON array.
func (s *Server) serveHistory(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	entries := s.hist.since(make([]*entry, 0, s.hist.len()), 0)
	s.mu.Unlock()
	setJSONHeaders(w.Header())
	w.WriteHeader(http.StatusOK)
	// One delivery at a time: the history may hold 64 MiB, and a second
	// copy of it all in one buffer would double that.
	enc := json.NewEncoder(w)
	sep := []byte("[\n")
	for _, e := range entries {
		if _, err := w.Write(sep); err != nil {
			return
		}
		if enc.Encode(e.d) != nil {
			return
		}
		sep = []byte(",\n")
	}
	if len(entries) == 0 {
		_, _ = w.Write([]byte("[]\n"))
		return
	}
	_, _ = w.Write([]byte("]\n"))
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
	setJSONHeaders(w.Header())
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func setJSONHeaders(h http.Header) {
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
}

// maxSearch bounds the text /search looks for.
const maxSearch = 256

// serveSearch answers GET /search?q=text with the numbers of the held
// deliveries whose body, headers, path or reason contain text, ignoring
// case, oldest first.
func (s *Server) serveSearch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	if q == "" || len(q) > maxSearch {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "q must be 1 to 256 bytes"})
		return
	}
	s.mu.Lock()
	entries := s.hist.since(make([]*entry, 0, s.hist.len()), 0)
	s.mu.Unlock()
	q = strings.ToLower(q)
	seqs := make([]int64, 0)
	for _, e := range entries {
		if e.d.contains(q) {
			seqs = append(seqs, e.d.Seq)
		}
	}
	writeJSON(w, http.StatusOK, seqs)
}
