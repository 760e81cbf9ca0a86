package endpoints

import (
	"fmt"
	"slices"
	"strings"
)

// Bounds on stranger-controlled endpoint fields.
const (
	maxEventTypeLen  = 128
	maxEventSegments = 16
	maxFilterEntries = 64
)

// checkEventType accepts an event type: dot-separated segments of letters,
// digits, '_' and '-', such as "invoice.paid".
func checkEventType(t string) error {
	if t == "" || len(t) > maxEventTypeLen {
		return fmt.Errorf("%w: event type must be 1 to %d bytes", ErrInvalidField, maxEventTypeLen)
	}
	if !validSegments(t) {
		return fmt.Errorf("%w: event type %q must be dot-separated segments of letters, digits, '_' and '-'", ErrInvalidField, t)
	}
	return nil
}

func validSegments(t string) bool {
	n := 0
	for _, seg := range strings.Split(t, ".") {
		n++
		if seg == "" || n > maxEventSegments {
			return false
		}
		for _, c := range []byte(seg) {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
				return false
			}
		}
	}
	return true
}

// normalizeFilter checks a filter and returns its subscription patterns,
// sorted and without duplicates: exact types, "prefix.*" entries, or "*"
// alone for an empty filter (every event type). "invoice.*" matches
// "invoice.paid" and "invoice.paid.late", not "invoice" itself.
func normalizeFilter(filter []string) ([]string, error) {
	if len(filter) > maxFilterEntries {
		return nil, fmt.Errorf("%w: at most %d entries", ErrInvalidFilter, maxFilterEntries)
	}
	if len(filter) == 0 {
		return []string{"*"}, nil
	}
	out := make([]string, 0, len(filter))
	for _, f := range filter {
		if len(f) > maxEventTypeLen {
			return nil, fmt.Errorf("%w: entry longer than %d bytes", ErrInvalidFilter, maxEventTypeLen)
		}
		base, prefix := strings.CutSuffix(f, ".*")
		if f == "*" || !validSegments(base) || (prefix && strings.Count(base, ".") >= maxEventSegments-1) {
			return nil, fmt.Errorf("%w: %q is neither an event type nor a prefix ending in \".*\"", ErrInvalidFilter, f)
		}
		out = append(out, f)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// patternsFor returns every subscription pattern that matches eventType:
// the type itself, "*", and one "prefix.*" per proper dot prefix. Their
// number is bounded by the segment limit, whatever the number of
// endpoints, so matching costs a few index lookups.
func patternsFor(eventType string) []string {
	ps := []string{eventType, "*"}
	for i := range len(eventType) {
		if eventType[i] == '.' {
			ps = append(ps, eventType[:i]+".*")
		}
	}
	return ps
}

// filterFromPatterns turns stored patterns back into the filter shown to
// users: "*" alone is the empty filter.
func filterFromPatterns(ps []string) []string {
	if len(ps) == 1 && ps[0] == "*" {
		return []string{}
	}
	return ps
}
