package capture

import (
	"context"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// streamGoroutines counts goroutines serving a live stream. The test below
// is not parallel, so no other test's streams are counted.
func streamGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "capture.(*Server).serveEvents(")
}

// TestEventsLeaveNoGoroutines is deliberately not parallel: it counts
// goroutines across the whole process.
func TestEventsLeaveNoGoroutines(t *testing.T) {
	s := newTestServer(t, nil)
	srv := httptest.NewServer(s)
	defer srv.Close()

	ctx, cancel := context.WithCancel(context.Background())
	for i := 0; i < 10; i++ {
		_, body := openEvents(t, ctx, srv.URL, "")
		defer body.Close()
	}
	require.Eventually(t, func() bool { return streamGoroutines() == 10 }, 5*time.Second, 5*time.Millisecond)
	cancel() // every page goes away
	require.Eventually(t, func() bool { return streamGoroutines() == 0 }, 5*time.Second, 5*time.Millisecond)

	for i := 0; i < 10; i++ {
		_, body := openEvents(t, context.Background(), srv.URL, "")
		defer body.Close()
	}
	require.Eventually(t, func() bool { return streamGoroutines() == 10 }, 5*time.Second, 5*time.Millisecond)
	s.Close() // the server shuts down with pages still open
	require.Eventually(t, func() bool { return streamGoroutines() == 0 }, 5*time.Second, 5*time.Millisecond)
}
