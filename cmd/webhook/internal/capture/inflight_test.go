package capture

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBodiesInFlightAreBounded holds bodies half sent until the in-flight
// budget is spent: the next delivery is answered 503 at once, and once the
// held ones finish the budget is whole again.
func TestBodiesInFlightAreBounded(t *testing.T) {
	t.Parallel()
	const maxBody = 64 << 10
	s := newTestServer(t, &Options{MaxBodyBytes: maxBody, MaxInFlightBytes: 1}) // raised to 4 * maxBody
	require.Equal(t, int64(4*maxBody), s.opts.MaxInFlightBytes)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)

	post := func(body io.Reader) (int, error) {
		resp, err := http.Post(srv.URL+"/webhook", "application/json", body)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	type held struct {
		w    *io.PipeWriter
		done chan int
	}
	var holding []held
	busy := false
	for i := 0; i < 10 && !busy; i++ {
		pr, pw := io.Pipe()
		h := held{pw, make(chan int, 1)}
		go func() {
			code, _ := post(pr)
			h.done <- code
		}()
		before := s.inflight.Load()
		_, _ = pw.Write([]byte(`{"n":"` + strings.Repeat("x", maxBody-100)))
		// Either the server reads it all and holds its buffers, or it
		// refuses the delivery as busy.
		refused := 0
		require.Eventually(t, func() bool {
			select {
			case refused = <-h.done:
				return true
			default:
				return s.inflight.Load()-before >= maxBody-100
			}
		}, 5*time.Second, time.Millisecond, "delivery %d: %d bytes held", i, s.inflight.Load())
		if refused != 0 {
			busy = true
			assert.Equal(t, http.StatusServiceUnavailable, refused)
			pw.Close()
			break
		}
		holding = append(holding, h)
	}
	require.True(t, busy, "some delivery must be refused while the budget is held")
	assert.NotEmpty(t, holding)
	assert.LessOrEqual(t, s.inflight.Load(), s.opts.MaxInFlightBytes)

	for _, h := range holding {
		_, _ = h.w.Write([]byte(`"}`))
		require.NoError(t, h.w.Close())
		assert.Equal(t, http.StatusOK, <-h.done)
	}
	assert.Zero(t, s.inflight.Load(), "every buffer is given back")
	code, err := post(strings.NewReader(`{"event":"after"}`))
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, code)
}
