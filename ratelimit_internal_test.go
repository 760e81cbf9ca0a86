package webhook

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestLimitersStayBounded(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	l := newLimiters(RateLimit{Rate: 1, Burst: 1}, nil, 64)
	for i := range 2_000 {
		l.reserve("https://example.com/"+strconv.Itoa(i), now)
		assert.LessOrEqual(t, l.len(), 64)
	}
	for i := 0; l.len() < 64; i++ {
		l.reserve("https://example.org/"+strconv.Itoa(i), now)
	}
	// Buckets that are full again are forgotten first: after a quiet
	// second, one new endpoint evicts every idle one.
	l.reserve("https://example.com/new", now.Add(2*time.Second))
	assert.Equal(t, 1, l.len())
}

func TestLimitersReserve(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	l := newLimiters(RateLimit{Rate: 10, Burst: 2}, map[string]RateLimit{"u": {}}, 0)
	d, _ := l.reserve("a", now)
	assert.Zero(t, d)
	d, _ = l.reserve("a", now)
	assert.Zero(t, d)
	d, undo := l.reserve("a", now)
	assert.Equal(t, 100*time.Millisecond, d)
	undo()
	d, _ = l.reserve("a", now)
	assert.Equal(t, 100*time.Millisecond, d, "an abandoned wait gives its token back")
	for range 100 {
		d, _ = l.reserve("u", now)
		assert.Zero(t, d, "a zero RateLimit for an endpoint means no limit")
	}
	assert.Nil(t, newLimiters(RateLimit{}, nil, 0), "no limits: no bookkeeping at all")
	var none *limiters
	d, _ = none.reserve("a", now)
	assert.Zero(t, d)
}
