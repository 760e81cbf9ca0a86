package endpoints_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
)

// breakerLog records what the OnBreaker hook and the parked runs saw.
type breakerLog struct {
	mu     sync.Mutex
	states []endpoints.BreakerState
	parked map[int64]bool // jobs parked since the last reset
}

func (l *breakerLog) onBreaker(_ context.Context, e endpoints.Endpoint) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.states = append(l.states, e.Breaker.State)
}

func (l *breakerLog) park(jobID int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.parked[jobID] = true
}

func (l *breakerLog) resetParked() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.parked = map[int64]bool{}
}

// allParked reports whether every job in ids parked since the last reset.
func (l *breakerLog) allParked(ids []int64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range ids {
		if !l.parked[id] {
			return false
		}
	}
	return true
}

func (l *breakerLog) seen() []endpoints.BreakerState {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]endpoints.BreakerState(nil), l.states...)
}

// An endpoint down for 11 minutes of a fake clock: its breaker opens after
// 3 failures, its queued deliveries then wait without spending attempts,
// one probe goes per cooldown (1, 2, 4, 4 minutes), and once it is back
// the probe closes the breaker and every message arrives, each with
// attempt numbers that skip the waits.
func TestBreakerPausesWithoutSpendingAttempts(t *testing.T) {
	t.Parallel()
	logs := map[string]*breakerLog{} // by application, one per backend
	for _, name := range []string{"sqlite", "postgres"} {
		logs["acme-"+name] = &breakerLog{parked: map[int64]bool{}}
	}
	opts := &endpoints.Options{
		BreakerThreshold:   3,
		BreakerCooldown:    time.Minute,
		BreakerMaxCooldown: 4 * time.Minute,
		OnBreaker:          func(ctx context.Context, e endpoints.Endpoint) { logs[e.ApplicationID].onBreaker(ctx, e) },
	}
	eachEndpointsDB(t, opts, func(t *testing.T, env *epEnv) {
		ctx := context.Background()
		app := "acme-" + env.name
		log := logs[app]
		env.e.setParkHook(func(jobID int64, d time.Duration) time.Duration {
			log.park(jobID)
			return shortPark(jobID, d)
		})
		rc := newReceivers(t, env.clock)
		_, err := env.e.CreateApplication(ctx, app, "")
		require.NoError(t, err)
		ep := addEndpoint(t, env, rc, app, "/down", nil)
		rc.setStatus("/down", http.StatusServiceUnavailable)

		const n = 6
		var msgs []string
		for i := range n {
			id := fmt.Sprintf("msg_%d", i)
			msgs = append(msgs, id)
			_, err := env.e.Publish(ctx, app, "a.b", []byte(`{}`), id)
			require.NoError(t, err)
		}
		env.start(t)

		breaker := func() endpoints.Breaker {
			got, err := env.e.GetEndpoint(ctx, app, ep.ID)
			require.NoError(t, err)
			return got.Breaker
		}
		jobs := func() (ids []int64, attempts int) {
			for _, id := range msgs {
				it, err := env.e.Delivery(ctx, app, ep.ID, id)
				require.NoError(t, err)
				ids, attempts = append(ids, it.JobID), attempts+it.Attempts
				if it.State == durable.StateRunning {
					attempts-- // River counts the run until it parks; once settled, every run parks
				}
			}
			return ids, attempts
		}
		// settled waits until every delivery parked since reset: from then
		// on none is attempted until the clock reaches the next probe.
		settled := func() {
			ids, _ := jobs()
			require.Eventually(t, func() bool { return log.allParked(ids) }, 20*time.Second, 10*time.Millisecond)
		}

		require.Eventually(t, func() bool { return breaker().State == endpoints.BreakerOpen }, 20*time.Second, 10*time.Millisecond)
		settled()
		sent := len(rc.ids("/down"))
		_, spent := jobs()
		require.GreaterOrEqual(t, sent, 3, "the threshold's failures")
		assert.Equal(t, sent, spent, "one attempt per request")
		b := breaker()
		assert.GreaterOrEqual(t, b.Failures, 3)
		require.NotNil(t, b.OpenedAt)
		require.NotNil(t, b.NextProbeAt)
		assert.Equal(t, time.Minute, b.NextProbeAt.Sub(*b.OpenedAt))
		// The API shows it.
		w := httptest.NewRecorder()
		env.e.Handler(nil).ServeHTTP(w, httptest.NewRequest("GET", "/applications/"+app+"/endpoints/"+ep.ID, nil))
		require.Equal(t, http.StatusOK, w.Code)
		var shown struct{ Breaker map[string]any }
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &shown))
		assert.Equal(t, "open", shown.Breaker["state"])
		assert.Equal(t, b.NextProbeAt.Format(time.RFC3339Nano), shown.Breaker["next_probe_at"])

		// Down: one probe per cooldown, each failing and doubling it.
		for i, cooldown := range []time.Duration{2 * time.Minute, 4 * time.Minute, 4 * time.Minute} {
			before := breaker()
			log.resetParked()
			env.clock.Advance(before.NextProbeAt.Sub(env.clock.Now()))
			now := env.clock.Now()
			require.Eventually(t, func() bool {
				b := breaker()
				return b.State == endpoints.BreakerOpen && b.NextProbeAt.After(*before.NextProbeAt)
			}, 20*time.Second, 10*time.Millisecond, "probe %d fails and reopens", i+1)
			log.resetParked() // a run parked before the probe failed may have seen it half open
			settled()
			b := breaker()
			assert.Equal(t, cooldown, b.NextProbeAt.Sub(now), "cooldown after probe %d", i+1)
			assert.Equal(t, *before.OpenedAt, *b.OpenedAt, "opened once")
			assert.Len(t, rc.ids("/down"), sent+i+1, "one probe per cooldown")
			_, attempts := jobs()
			assert.Equal(t, spent+i+1, attempts, "only the probes spend attempts")
		}

		// Back: the next probe is delivered, closes the breaker, and the
		// rest follow.
		rc.setStatus("/down", http.StatusOK)
		env.clock.Advance(breaker().NextProbeAt.Sub(env.clock.Now()))
		for _, id := range msgs {
			env.waitDelivery(t, app, ep.ID, id, durable.StateDone)
		}
		b = breaker()
		assert.Equal(t, endpoints.Breaker{State: endpoints.BreakerClosed}, b)
		assert.Equal(t, []endpoints.BreakerState{endpoints.BreakerOpen, endpoints.BreakerOpen, endpoints.BreakerOpen,
			endpoints.BreakerOpen, endpoints.BreakerClosed}, log.seen())
		assert.ElementsMatch(t, msgs, distinct(rc.ids("/down")))
		for _, id := range msgs {
			page, err := env.e.ListAttempts(ctx, app, endpoints.AttemptFilter{EndpointID: ep.ID, MessageID: id}, "", 0)
			require.NoError(t, err)
			for j, a := range page.Items { // newest first, numbered 1, 2, ... without the waits
				assert.Equal(t, len(page.Items)-j, a.Number, "%s attempt %d", id, j)
			}
		}
	})
}

// Once a probe is delivered, the deliveries that waited for it are woken at
// once, not when their wait ends: here they wait in real time, about the
// cooldown (a minute), beyond the test's patience, and a new message is
// the probe.
func TestBreakerWakesWaitingDeliveries(t *testing.T) {
	t.Parallel()
	opts := &endpoints.Options{BreakerThreshold: 2, BreakerCooldown: time.Minute}
	eachEndpointsDB(t, opts, func(t *testing.T, env *epEnv) {
		ctx := context.Background()
		var real atomic.Bool
		log := &breakerLog{parked: map[int64]bool{}}
		env.e.setParkHook(func(jobID int64, d time.Duration) time.Duration {
			if real.Load() {
				log.park(jobID)
				return d
			}
			return shortPark(jobID, d)
		})
		rc := newReceivers(t, env.clock)
		_, err := env.e.CreateApplication(ctx, "acme", "")
		require.NoError(t, err)
		ep := addEndpoint(t, env, rc, "acme", "/flaky", nil)
		rc.setStatus("/flaky", http.StatusServiceUnavailable)
		msgs := []string{"msg_1", "msg_2", "msg_3", "msg_4"}
		for _, id := range msgs {
			_, err := env.e.Publish(ctx, "acme", "a.b", []byte(`{}`), id)
			require.NoError(t, err)
		}
		env.start(t)
		var b endpoints.Breaker
		require.Eventually(t, func() bool {
			got, err := env.e.GetEndpoint(ctx, "acme", ep.ID)
			b = got.Breaker
			return err == nil && b.State == endpoints.BreakerOpen
		}, 20*time.Second, 10*time.Millisecond)

		// Every delivery parks for real, and its park is stored.
		real.Store(true)
		var ids []int64
		for _, id := range msgs {
			it, err := env.e.Delivery(ctx, "acme", ep.ID, id)
			require.NoError(t, err)
			ids = append(ids, it.JobID)
		}
		require.Eventually(t, func() bool {
			if !log.allParked(ids) {
				return false
			}
			for _, id := range msgs {
				it, err := env.e.Delivery(ctx, "acme", ep.ID, id)
				if err != nil || it.State == durable.StateRunning {
					return false
				}
			}
			return true
		}, 20*time.Second, 10*time.Millisecond)

		rc.setStatus("/flaky", http.StatusOK)
		env.clock.Advance(b.NextProbeAt.Sub(env.clock.Now()))
		_, err = env.e.Publish(ctx, "acme", "a.b", []byte(`{}`), "msg_probe")
		require.NoError(t, err)
		for _, id := range append(msgs, "msg_probe") {
			env.waitDelivery(t, "acme", ep.ID, id, durable.StateDone)
		}
		got, err := env.e.GetEndpoint(ctx, "acme", ep.ID)
		require.NoError(t, err)
		assert.Equal(t, endpoints.BreakerClosed, got.Breaker.State)
	})
}

// A probe the endpoint refuses with a 4xx closes the breaker: the endpoint
// is up, and the waiting deliveries get their answer (cancelled, as any
// delivery refused for good) instead of waiting for the next probe.
func TestBreakerClosesOnAnswer(t *testing.T) {
	t.Parallel()
	opts := &endpoints.Options{BreakerThreshold: 2, BreakerCooldown: time.Minute}
	eachEndpointsDB(t, opts, func(t *testing.T, env *epEnv) {
		ctx := context.Background()
		rc := newReceivers(t, env.clock)
		_, err := env.e.CreateApplication(ctx, "acme", "")
		require.NoError(t, err)
		ep := addEndpoint(t, env, rc, "acme", "/picky", nil)
		rc.setStatus("/picky", http.StatusServiceUnavailable)
		msgs := []string{"msg_1", "msg_2", "msg_3"}
		for _, id := range msgs {
			_, err := env.e.Publish(ctx, "acme", "a.b", []byte(`{}`), id)
			require.NoError(t, err)
		}
		env.start(t)
		var b endpoints.Breaker
		require.Eventually(t, func() bool {
			got, err := env.e.GetEndpoint(ctx, "acme", ep.ID)
			b = got.Breaker
			return err == nil && b.State == endpoints.BreakerOpen
		}, 20*time.Second, 10*time.Millisecond)

		rc.setStatus("/picky", http.StatusUnprocessableEntity)
		env.clock.Advance(b.NextProbeAt.Sub(env.clock.Now()))
		for _, id := range msgs {
			env.waitDelivery(t, "acme", ep.ID, id, durable.StateCancelled)
		}
		got, err := env.e.GetEndpoint(ctx, "acme", ep.ID)
		require.NoError(t, err)
		assert.Equal(t, endpoints.Breaker{State: endpoints.BreakerClosed}, got.Breaker)
		assert.True(t, got.Enabled)
	})
}

// A 410 disables the endpoint at once, with reason "gone", tells the
// OnDisable hook, and cancels the delivery; the breaker is not involved.
func TestGoneDisablesEndpoint(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var disabled []endpoints.Endpoint
	opts := &endpoints.Options{OnDisable: func(_ context.Context, e endpoints.Endpoint) {
		mu.Lock()
		defer mu.Unlock()
		disabled = append(disabled, e)
	}}
	eachEndpointsDB(t, opts, func(t *testing.T, env *epEnv) {
		ctx := context.Background()
		rc := newReceivers(t, env.clock)
		app := "acme-" + env.name
		_, err := env.e.CreateApplication(ctx, app, "")
		require.NoError(t, err)
		ep := addEndpoint(t, env, rc, app, "/gone", nil)
		rc.setStatus("/gone", http.StatusGone)
		env.start(t)
		_, err = env.e.Publish(ctx, app, "a.b", []byte(`{}`), "msg_1")
		require.NoError(t, err)
		env.waitDelivery(t, app, ep.ID, "msg_1", durable.StateCancelled)

		got, err := env.e.GetEndpoint(ctx, app, ep.ID)
		require.NoError(t, err)
		assert.False(t, got.Enabled)
		assert.Equal(t, "gone", got.DisabledReason)
		assert.Equal(t, endpoints.BreakerClosed, got.Breaker.State)
		mu.Lock()
		var told []endpoints.Endpoint
		for _, d := range disabled {
			if d.ApplicationID == app {
				told = append(told, d)
			}
		}
		mu.Unlock()
		require.Len(t, told, 1, "the hook is told once")
		assert.Equal(t, ep.ID, told[0].ID)
		assert.Equal(t, "gone", told[0].DisabledReason)
		assert.False(t, told[0].Enabled)
		assert.Len(t, rc.ids("/gone"), 1, "no retry")

		res, err := env.e.Publish(ctx, app, "a.b", []byte(`{}`), "msg_2")
		require.NoError(t, err)
		assert.Zero(t, res.Deliveries, "a disabled endpoint gets nothing new")
	})
}
