package endpoints

import (
	"context"
	"fmt"
	"slices"
	"time"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable/internal/core"
)

// Bounds of [Service.Stats].
const (
	defaultStatsWindow = 24 * time.Hour
	maxStatsWindow     = 30 * 24 * time.Hour
	maxStatsSample     = 10_000
)

// Stats are an endpoint's health figures over a recent window,
// from the attempt log: how many attempts succeeded and how long they took.
type Stats struct {
	EndpointID string `json:"endpoint_id"`
	// Since and Until bound the window.
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
	// Attempts counts the attempts in the window (the most recent 10,000
	// when there were more; see Sampled), attempts cut short by a stopping
	// worker excluded. Delivered counts those that succeeded.
	Attempts  int `json:"attempts"`
	Delivered int `json:"delivered"`
	// SuccessRate is Delivered / Attempts, between 0 and 1; 0 without
	// attempts.
	SuccessRate float64 `json:"success_rate"`
	// LatencyP50, LatencyP90 and LatencyP99 are percentiles (nearest rank)
	// of the attempts' latencies, failures included; 0 without attempts.
	LatencyP50 time.Duration `json:"latency_p50_ns"`
	LatencyP90 time.Duration `json:"latency_p90_ns"`
	LatencyP99 time.Duration `json:"latency_p99_ns"`
	// Sampled reports that the window held more than 10,000 attempts and
	// the figures are those of the most recent 10,000.
	Sampled bool `json:"sampled"`
}

// Stats returns an endpoint's health figures over the window that ends
// now: 0 means the last 24 hours, and it may be up to 30 days. The cost is
// bounded: at most the endpoint's most recent 10,000 attempts are read.
// Errors: [ErrUnknownEndpoint], [ErrInvalidField] for a window out of
// range.
func (e *Service[TTx]) Stats(ctx context.Context, appID, endpointID string, window time.Duration) (Stats, error) {
	if window == 0 {
		window = defaultStatsWindow
	}
	if window < 0 || window > maxStatsWindow {
		return Stats{}, fmt.Errorf("%w: the window must be positive and at most 30 days", ErrInvalidField)
	}
	if _, err := e.GetEndpoint(ctx, appID, endpointID); err != nil {
		return Stats{}, err
	}
	until := e.opts.Now()
	st := Stats{EndpointID: endpointID, Since: until.Add(-window), Until: until}
	lat := make([]time.Duration, 0, 64)
	err := core.QueryEach(ctx, e.db, `SELECT latency_us, outcome FROM webhook_endpoint_attempt
	WHERE endpoint_id = ? AND attempted_at_us >= ? AND attempted_at_us <= ? AND outcome <> ? ORDER BY id DESC LIMIT ?`,
		[]any{endpointID, st.Since.UnixMicro(), until.UnixMicro(), string(core.OutcomeAborted), maxStatsSample + 1}, func(r core.Rows) error {
			var us int64
			var outcome string
			if err := r.Scan(&us, &outcome); err != nil {
				return err
			}
			if len(lat) == maxStatsSample {
				st.Sampled = true
				return nil
			}
			lat = append(lat, time.Duration(us)*time.Microsecond)
			if outcome == webhook.ClassDelivered.String() {
				st.Delivered++
			}
			return nil
		})
	if err != nil {
		return Stats{}, fmt.Errorf("durable: endpoint stats: %w", err)
	}
	st.Attempts = len(lat)
	if st.Attempts == 0 {
		return st, nil
	}
	st.SuccessRate = float64(st.Delivered) / float64(st.Attempts)
	slices.Sort(lat)
	st.LatencyP50, st.LatencyP90, st.LatencyP99 = nearestRank(lat, 50), nearestRank(lat, 90), nearestRank(lat, 99)
	return st, nil
}

// nearestRank returns the p-th percentile of sorted, a non-empty sorted
// slice: the smallest value with at least p % of the values at or below it.
func nearestRank(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 * n), at least 1 for p > 0
	return sorted[max(rank, 1)-1]
}
