package endpoints

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// naiveMatch is the definition patternsFor must agree with: an empty
// filter matches everything, "p.*" matches types that start with "p.", any
// other entry matches itself.
func naiveMatch(filter []string, eventType string) bool {
	if len(filter) == 0 {
		return true
	}
	for _, f := range filter {
		if base, ok := strings.CutSuffix(f, ".*"); ok {
			if strings.HasPrefix(eventType, base+".") {
				return true
			}
		} else if f == eventType {
			return true
		}
	}
	return false
}

// indexMatch is what Publish does: look the type's candidate patterns up
// among the endpoint's stored patterns.
func indexMatch(patterns []string, eventType string) bool {
	for _, p := range patternsFor(eventType) {
		if slices.Contains(patterns, p) {
			return true
		}
	}
	return false
}

func TestFilterMatching(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		filter    []string
		eventType string
		want      bool
	}{
		{"empty matches all", nil, "anything.at.all", true},
		{"exact", []string{"invoice.paid"}, "invoice.paid", true},
		{"exact is not a prefix", []string{"invoice.paid"}, "invoice.paid.late", false},
		{"prefix one level", []string{"invoice.*"}, "invoice.paid", true},
		{"prefix deeper", []string{"invoice.*"}, "invoice.paid.late", true},
		{"prefix not itself", []string{"invoice.*"}, "invoice", false},
		{"prefix needs the dot", []string{"invoice.*"}, "invoices.paid", false},
		{"nested prefix", []string{"a.b.*"}, "a.b.c", true},
		{"nested prefix miss", []string{"a.b.*"}, "a.c.b", false},
		{"case sensitive", []string{"Invoice.paid"}, "invoice.paid", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ps, err := normalizeFilter(tc.filter)
			require.NoError(t, err)
			assert.Equal(t, tc.want, indexMatch(ps, tc.eventType))
			assert.Equal(t, tc.want, naiveMatch(tc.filter, tc.eventType))
		})
	}
}

func TestNormalizeFilterRejects(t *testing.T) {
	t.Parallel()
	for _, f := range []string{"", "*", ".*", "a.", ".a", "a..b", "a.*.b", "a*", "a.**", "a b", "ä.b", strings.Repeat("a", 129),
		strings.Repeat("a.", 16) + "*"} {
		t.Run(f, func(t *testing.T) {
			t.Parallel()
			_, err := normalizeFilter([]string{f})
			require.ErrorIs(t, err, ErrInvalidFilter)
		})
	}
}

// FuzzFilterMatch checks that the indexed lookup agrees with the naive
// definition for every accepted filter and valid event type, and that
// nothing panics on any input.
func FuzzFilterMatch(f *testing.F) {
	f.Add("invoice.*", "invoice.paid")
	f.Add("a.b.*", "a.b")
	f.Add("x", "x")
	f.Add("a.*", "a.a.a.a")
	f.Fuzz(func(t *testing.T, entry, eventType string) {
		ps, err := normalizeFilter([]string{entry})
		if err != nil || checkEventType(eventType) != nil {
			return
		}
		if got, want := indexMatch(ps, eventType), naiveMatch([]string{entry}, eventType); got != want {
			t.Fatalf("filter %q, type %q: index says %v, definition %v", entry, eventType, got, want)
		}
	})
}
