package endpoints

import (
	"strings"
	"sync"
	"time"
)

// volumeWindow is the span over which an application's volume is counted:
// the deliveries it published in the current window, plus the previous
// window's in proportion to how much of it lies within the last
// volumeWindow.
const volumeWindow = 10 * time.Second

// volumeApps bounds the applications counted per window; an application
// beyond it publishes, for the rest of the window, as though it had
// published nothing in it.
const volumeApps = 10_000

// priorityTiers are the volumes, in deliveries per volumeWindow, at which
// an application's deliveries drop to River priority 2, 3 and 4 (1, the
// highest, below the first). The first is what a light application's
// delivery may wait behind per heavy application, the heavy one's
// deliveries queued before it was counted heavy: 100 is a third of a
// second at the few hundred deliveries per second of SQLite on a small
// machine. From 10,000 (1,000 a second, enough to keep a small machine's
// workers busy on its own) on, applications share the last tier.
var priorityTiers = [...]float64{100, 1_000, 10_000}

// appVolume counts the deliveries each application published recently,
// for a fair order between applications.
//
// Every application's deliveries share one River queue, which River works
// in order of job priority, then of scheduled time. [Service.Publish] gives
// an application's deliveries a lower priority the more deliveries that
// application published recently, so that one customer's backlog does not
// hold up another's: a light publisher's deliveries go ahead of a heavy
// one's, whichever was queued first. The priority is a column of the job,
// and every process fetches by it, so the order holds across the processes
// sharing a database; it stays with the job through its retries and the
// gate's snoozes.
//
// Why priorities, and not a queue per application or a round-robin: River
// fetches from a fixed set of queues, and a job's priority costs nothing
// where a fair fetch would cost a query per fetch. What it does not give
// is an order within a tier: two applications of the same tier share it
// first in, first out, and a delivery already queued keeps its priority
// when its application's volume changes.
//
// The volume is this process's own count, not the fleet's: with several
// publishing processes, each counts only what it published itself, so an
// application publishing through many of them looks lighter than it is.
//
// Its zero value is ready to use; it is safe for concurrent use.
type appVolume struct {
	mu    sync.Mutex
	start time.Time      // of the current window
	cur   map[string]int // app id -> deliveries in the current window
	prev  map[string]int // the same for the window before
}

// add counts n deliveries published by app at now and returns their River
// priority, from app's volume including them.
func (v *appVolume) add(now time.Time, app string, n int) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	d := now.Sub(v.start)
	switch {
	case d < 0 || d >= 2*volumeWindow: // idle for a window, or a clock set back
		v.prev, v.start, d = nil, now, 0
		v.cur = map[string]int{}
	case d >= volumeWindow:
		v.prev, v.start, d = v.cur, v.start.Add(volumeWindow), d-volumeWindow
		v.cur = make(map[string]int, len(v.prev))
	}
	c, ok := v.cur[app]
	c += n
	if ok {
		v.cur[app] = c
	} else if len(v.cur) < volumeApps {
		v.cur[strings.Clone(app)] = c // not a caller's larger buffer
	}
	est := float64(c) + float64(v.prev[app])*float64(volumeWindow-d)/float64(volumeWindow)
	p := 1
	for _, t := range priorityTiers {
		if est >= t {
			p++
		}
	}
	return p
}
