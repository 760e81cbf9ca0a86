package capture

import (
	"net/http"
	"sort"
)

// maxTotalTypes bounds the event types counted one by one; senders choose
// them, so the rest are counted together under OtherTypes.
const maxTotalTypes = 100

// Keys of [Totals.Types] that are not event types.
const (
	NoType     = "(none)"  // deliveries without an event type
	OtherTypes = "(other)" // types past the first maxTotalTypes
)

// Totals is the running summary of every delivery captured since the
// Server started, including those the history no longer holds.
type Totals struct {
	// Deliveries is how many were captured.
	Deliveries int64 `json:"deliveries"`
	// Verdicts counts them by [Delivery.Verdict].
	Verdicts map[string]int64 `json:"verdicts"`
	// Types counts them by [Delivery.Type], [NoType] for none.
	Types map[string]int64 `json:"types"`
	// CanResign reports whether replays can be signed afresh.
	CanResign bool `json:"canResign"`
}

// count adds d to the totals; s.mu must be held.
func (s *Server) count(d *Delivery) {
	s.totals.Deliveries++
	s.totals.Verdicts[d.Verdict]++
	t := d.Type
	if t == "" {
		t = NoType
	}
	if _, ok := s.totals.Types[t]; !ok && len(s.totals.Types) >= maxTotalTypes {
		t = OtherTypes
	}
	s.totals.Types[t]++
}

// Totals returns a copy of the running summary.
func (s *Server) Totals() Totals {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := Totals{
		Deliveries: s.totals.Deliveries,
		Verdicts:   make(map[string]int64, len(s.totals.Verdicts)),
		Types:      make(map[string]int64, len(s.totals.Types)),
		CanResign:  s.opts.Signer != nil,
	}
	for k, v := range s.totals.Verdicts {
		t.Verdicts[k] = v
	}
	for k, v := range s.totals.Types {
		t.Types[k] = v
	}
	return t
}

// serveTotals answers GET /summary with the [Totals].
func (s *Server) serveTotals(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Totals())
}

// String returns the totals on one line for the terminal, types most
// frequent first: "3 deliveries: 2 valid, 1 invalid; invoice.paid 2, (none) 1".
func (t Totals) String() string {
	b := appendInt(nil, t.Deliveries)
	if t.Deliveries == 1 {
		b = append(b, " delivery"...)
	} else {
		b = append(b, " deliveries"...)
	}
	for i, k := range sortedByCount(t.Verdicts) {
		if i == 0 {
			b = append(b, ": "...)
		} else {
			b = append(b, ", "...)
		}
		b = appendInt(b, t.Verdicts[k])
		b = append(b, ' ')
		b = appendClean(b, k, "")
	}
	for i, k := range sortedByCount(t.Types) {
		if i == 0 {
			b = append(b, "; "...)
		} else {
			b = append(b, ", "...)
		}
		b = appendClean(b, k, "")
		b = append(b, ' ')
		b = appendInt(b, t.Types[k])
	}
	return string(b)
}

func sortedByCount(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}
