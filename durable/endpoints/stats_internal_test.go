package endpoints

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestNearestRank(t *testing.T) {
	t.Parallel()
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	tests := []struct {
		name          string
		sorted        []time.Duration
		p50, p90, p99 time.Duration
	}{
		{"one value", ms(7), 7 * time.Millisecond, 7 * time.Millisecond, 7 * time.Millisecond},
		{"two values", ms(1, 9), 1 * time.Millisecond, 9 * time.Millisecond, 9 * time.Millisecond},
		{"ten values", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 5 * time.Millisecond, 9 * time.Millisecond, 10 * time.Millisecond},
		{"one to a hundred", ms(hundred...), 50 * time.Millisecond, 90 * time.Millisecond, 99 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.p50, nearestRank(tc.sorted, 50))
			assert.Equal(t, tc.p90, nearestRank(tc.sorted, 90))
			assert.Equal(t, tc.p99, nearestRank(tc.sorted, 99))
		})
	}
}
