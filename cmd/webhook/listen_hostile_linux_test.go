package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signedhooks/webhook/cmd/webhook/internal/capture"
	"github.com/signedhooks/webhook/internal/longtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// procStatus returns the VmRSS and VmHWM (peak) of pid in bytes, from
// /proc/<pid>/status.
func procStatus(t *testing.T, pid int) (rss, peak int64) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 || f[2] != "kB" {
			continue
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		require.NoError(t, err)
		switch f[0] {
		case "VmRSS:":
			rss = n << 10
		case "VmHWM:":
			peak = n << 10
		}
	}
	require.NotZero(t, rss)
	require.NotZero(t, peak)
	return rss, peak
}

// responsive checks that listen answers its page and delivery seq promptly.
func responsive(t *testing.T, base string, seq int) {
	t.Helper()
	c := &http.Client{Timeout: 2 * time.Second}
	for _, p := range []string{"/", "/history/" + strconv.Itoa(seq)} {
		resp, err := c.Get(base + p)
		require.NoError(t, err, "listen did not answer %s", p)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, p)
	}
}

// TestListenSurvivesHostileInput runs the built binary against what once
// took it to 1 GB or pinned its connections: a body of deeply nested
// brackets, 30 senders stalled mid-body and 30 mid-header, and 10,000
// deliveries, some of them of the largest size, then 64 of the largest at
// once. listen must stay
// responsive and its peak RSS, read from /proc, under 150 MB.
func TestListenSurvivesHostileInput(t *testing.T) {
	longtest.Require(t, "listen under hostile senders and 10,000 deliveries")
	t.Parallel()
	l := startListen(t, nil, "-quiet", "-body-timeout", "1s", "-header-timeout", "1s")
	pid := l.cmd.Process.Pid
	startRSS, _ := procStatus(t, pid)
	post := func(c *http.Client, body []byte) int {
		resp, err := c.Post(l.base+"/webhook", "application/json", bytes.NewReader(body))
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}

	// 1. The nested brackets: captured, served raw, not pretty-printed.
	nested := []byte(strings.Repeat("[", 9_990) + strings.Repeat("]", 9_990))
	require.Equal(t, http.StatusOK, post(http.DefaultClient, nested))
	resp, err := http.Get(l.base + "/history/1")
	require.NoError(t, err)
	entry, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Less(t, len(entry), 4*len(nested), "/history/1 is about the size of the body")
	responsive(t, l.base, 1)

	// 2. Stalled senders: connected, part of the header or body sent.
	stalled := time.Now()
	var wg sync.WaitGroup
	cut := make(chan string, 60)
	for i := 0; i < 60; i++ {
		conn, err := net.Dial("tcp", strings.TrimPrefix(l.base, "http://"))
		require.NoError(t, err)
		t.Cleanup(func() { conn.Close() })
		stall := "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{\"event\":\"slow\""
		if i%2 == 1 {
			stall = "POST /webhook HTTP/1.1\r\nHost: x\r\nX-Slow: "
		}
		_, err = io.WriteString(conn, stall)
		require.NoError(t, err)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
			b, err := io.ReadAll(conn) // until listen closes the connection
			if err != nil {
				cut <- "not cut off: " + err.Error()
				return
			}
			line, _, _ := strings.Cut(string(b), "\r\n")
			cut <- line
		}()
	}
	responsive(t, l.base, 1) // while all 60 are stalled
	wg.Wait()
	t.Logf("stalled senders cut off in %s", time.Since(stalled).Round(time.Millisecond))
	close(cut)
	var bodies, headers int
	for line := range cut {
		switch line {
		case "HTTP/1.1 400 Bad Request":
			bodies++ // the body timed out: recorded and answered
		case "":
			headers++ // the header timed out: closed by net/http
		default:
			t.Errorf("stalled sender: %q", line)
		}
	}
	assert.Equal(t, 30, bodies)
	assert.Equal(t, 30, headers)

	// 3. 10,000 deliveries from 4 senders; one in 100 is of the largest
	// size, JSON whose indented form is four times as large.
	small := []byte(`{"event":"load.test","data":{"items":[` + strings.Repeat(`{"n":1,"s":"abcdefgh"},`, 300) + `{}]}}`)
	large := []byte(`{"event":"load.large","data":[` + strings.Repeat(`[1],`, (capture.DefaultMaxBodyBytes-64)/4) + `[]]}`)
	require.Less(t, len(large), capture.DefaultMaxBodyBytes)
	start := time.Now()
	const total, senders = 10_000, 4
	var sendWG sync.WaitGroup
	codes := make(chan int, total)
	for s := 0; s < senders; s++ {
		sendWG.Add(1)
		go func() {
			defer sendWG.Done()
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			defer c.CloseIdleConnections()
			for i := s; i < total; i += senders {
				body := small
				if i%100 == 0 {
					body = large
				}
				codes <- post(c, body)
			}
		}()
	}
	sendWG.Wait()
	close(codes)
	ok := 0
	for c := range codes {
		if c == http.StatusOK {
			ok++
		}
	}
	assert.Equal(t, total, ok)
	responsive(t, l.base, 1+30+total)
	t.Logf("deliveries sent in %s", time.Since(start).Round(time.Millisecond))
	// The whole history, up to 64 MiB, is streamed, not built in memory.
	resp, err = http.Get(l.base + "/history")
	require.NoError(t, err)
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	t.Logf("/history: %.1f MB", float64(n)/1e6)

	// 4. 64 senders of the largest body at once: the bodies being read
	// share a budget, so some may be answered 503 (or see the connection
	// close first), those slower than -body-timeout on this busy machine
	// are cut off with 400, and none is lost silently.
	var burst sync.WaitGroup
	burstCodes := make(chan int, 64)
	for i := 0; i < 64; i++ {
		burst.Add(1)
		go func() {
			defer burst.Done()
			// A refused sender may see the connection close before the
			// 503 (code 0): listen records it either way.
			code := 0
			if resp, err := http.Post(l.base+"/webhook", "application/json", bytes.NewReader(large)); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				code = resp.StatusCode
			}
			burstCodes <- code
		}()
	}
	burst.Wait()
	close(burstCodes)
	byCode := map[int]int{}
	for c := range burstCodes {
		byCode[c]++
	}
	t.Logf("64 large bodies at once: %v", byCode)
	assert.Equal(t, 64, byCode[http.StatusOK]+byCode[http.StatusServiceUnavailable]+byCode[http.StatusBadRequest]+byCode[0],
		"answered 200, 503 or 400: %v", byCode)
	assert.NotZero(t, byCode[http.StatusOK])
	resp, err = http.Get(l.base + "/summary")
	require.NoError(t, err)
	var totals capture.Totals
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&totals))
	resp.Body.Close()
	responsive(t, l.base, int(totals.Deliveries)) // the newest
	// Every sender that got an answer was recorded; one that saw the
	// connection close may have been cut off before its header was read.
	answered := int64(1 + 30 + total + 64 - byCode[0])
	assert.GreaterOrEqual(t, totals.Deliveries, answered, "every answered delivery is recorded: %v", totals)
	assert.LessOrEqual(t, totals.Deliveries, int64(1+30+total+64))

	rss, peak := procStatus(t, pid)
	t.Logf("listen RSS: %.1f MB at start, %.1f MB at the end, %.1f MB at its peak",
		float64(startRSS)/1e6, float64(rss)/1e6, float64(peak)/1e6)
	assert.Less(t, peak, int64(150e6), "peak RSS")
}
