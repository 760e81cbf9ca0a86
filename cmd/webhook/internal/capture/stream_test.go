package capture

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type event struct {
	id   string
	data Summary
}

// openEvents connects to /events and returns a function reading the next
// delivery event.
func openEvents(t *testing.T, ctx context.Context, base, lastID string) (next func() (event, error), body io.Closer) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/events", nil)
	require.NoError(t, err)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	sc := bufio.NewScanner(resp.Body)
	return func() (event, error) {
		var ev event
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "id: "):
				ev.id = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "data: "):
				if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev.data); err != nil {
					return ev, err
				}
			case line == "" && ev.id != "":
				return ev, nil
			}
		}
		if sc.Err() != nil {
			return ev, sc.Err()
		}
		return ev, io.EOF
	}, resp.Body
}

func post(t *testing.T, base, id string) {
	t.Helper()
	req, err := http.NewRequest("POST", base+"/webhook", strings.NewReader(`{"event":"ping"}`))
	require.NoError(t, err)
	req.Header.Set("X-Webhook-Id", id)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestEventsBacklogThenLive(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	t.Cleanup(s.Close)

	post(t, srv.URL, "msg_1")
	post(t, srv.URL, "msg_2")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	next, body := openEvents(t, ctx, srv.URL, "")
	defer body.Close()
	for _, want := range []string{"msg_1", "msg_2"} {
		ev, err := next()
		require.NoError(t, err)
		assert.Equal(t, want, ev.data.ID)
	}
	post(t, srv.URL, "msg_3")
	ev, err := next()
	require.NoError(t, err)
	assert.Equal(t, "3", ev.id)
	assert.Equal(t, "msg_3", ev.data.ID)
	assert.Equal(t, VerdictUnchecked, ev.data.Verdict)
}

func TestEventsResumeFromLastEventID(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	t.Cleanup(s.Close)
	for _, id := range []string{"a", "b", "c"} {
		post(t, srv.URL, id)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	next, body := openEvents(t, ctx, srv.URL, "2")
	defer body.Close()
	ev, err := next()
	require.NoError(t, err)
	assert.Equal(t, "3", ev.id)
}

func TestEventsEndOnDisconnectAndClose(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)

	ctx, cancel := context.WithCancel(context.Background())
	_, body := openEvents(t, ctx, srv.URL, "")
	require.Eventually(t, func() bool { return s.Clients() == 1 }, 5*time.Second, 5*time.Millisecond)
	cancel()
	body.Close()
	require.Eventually(t, func() bool { return s.Clients() == 0 }, 5*time.Second, 5*time.Millisecond,
		"the stream's goroutine ends when the page goes away")

	next, body2 := openEvents(t, context.Background(), srv.URL, "")
	defer body2.Close()
	require.Eventually(t, func() bool { return s.Clients() == 1 }, 5*time.Second, 5*time.Millisecond)
	s.Close()
	_, err := next()
	require.ErrorIs(t, err, io.EOF, "Close ends every stream")
	assert.Equal(t, 0, s.Clients())

	resp, err := http.Get(srv.URL + "/events")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "no new streams after Close")
}

func TestSlowPageIsDroppedNotWaitedFor(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &Options{ClientBuffer: 2})
	slow := &client{ch: make(chan *entry, 2)}
	s.mu.Lock()
	s.clients[slow] = struct{}{}
	s.mu.Unlock()

	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 10; i++ {
			serve(s, httptest.NewRequest("POST", "/webhook", strings.NewReader("{}")))
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("capture blocked on a page that does not read")
	}
	assert.Equal(t, 0, s.Clients())
	var got []int64
	for e := range slow.ch { // closed when dropped
		got = append(got, e.d.Seq)
	}
	assert.Equal(t, []int64{1, 2}, got)
	assert.Equal(t, 10, s.Len())
}

func TestTooManyPages(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &Options{MaxClients: 1})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	t.Cleanup(s.Close)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, body := openEvents(t, ctx, srv.URL, "")
	defer body.Close()
	resp, err := http.Get(srv.URL + "/events")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
}
