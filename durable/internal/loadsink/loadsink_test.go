package loadsink

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	webhook "github.com/signedhooks/webhook"
)

func TestPeakRate(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	at := func(ms ...int) []time.Time {
		var ts []time.Time
		for _, m := range ms {
			ts = append(ts, t0.Add(time.Duration(m)*time.Millisecond))
		}
		return ts
	}
	assert.Equal(t, 0, PeakRate(nil, time.Second))
	assert.Equal(t, 1, PeakRate(at(0, 1000, 2000), time.Second), "a window is half open")
	assert.Equal(t, 3, PeakRate(at(2500, 0, 900, 950, 3000), time.Second), "unsorted input")
	assert.Equal(t, 4, PeakRate(at(0, 100, 200, 300, 1500), time.Second))
}

func TestSink(t *testing.T) {
	s := New(t)
	s.Set("/slow", 50*time.Millisecond, http.StatusServiceUnavailable)
	post := func(path, id string) int {
		req, err := http.NewRequest(http.MethodPost, s.URL+path, nil)
		require.NoError(t, err)
		req.Header.Set(webhook.IDHeader, id)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	start := time.Now()
	assert.Equal(t, http.StatusServiceUnavailable, post("/slow", "m1"))
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)
	assert.Equal(t, http.StatusOK, post("/fast", "m2"))
	assert.Equal(t, http.StatusOK, post("/fast", "m2"))
	first, ok := s.Arrived("m2")
	require.True(t, ok)
	arrivals, peak := s.Stats("/fast")
	require.Len(t, arrivals, 2)
	assert.Equal(t, first, arrivals[0], "Arrived is the first arrival")
	assert.Equal(t, 1, peak)
	_, ok = s.Arrived("m3")
	assert.False(t, ok)
}
