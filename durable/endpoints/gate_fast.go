package endpoints

import (
	"context"
	"encoding/json"
	mrand "math/rand/v2"
	"time"

	"github.com/riverqueue/river"
	"github.com/signedhooks/webhook/durable/internal/core"
)

// The gate's first step for an endpoint whose settings a Service has kept
// (see cache.go): it reads what of the endpoint may have changed (its
// version, and the columns that change without one) and, if the endpoint
// is enabled and has no rate limit, takes one of its slots, with the cap as
// stored. The takes of concurrent deliveries are group-committed
// (groupcommit.go), for distinct endpoints (a second delivery to the same
// endpoint waits for the next batch, so that two never pick the same free
// slot in one statement): on PostgreSQL a batch is one statement, on
// SQLite one transaction of two.

// maxTakeBatch bounds the deliveries of one take batch.
const maxTakeBatch = 128

// endpointState is what the gate's first step reads of an endpoint.
type endpointState struct {
	version        int64
	enabled        int
	rate           float64
	burst          int
	maxConcurrency int
	failing        int64
	breaker        breakerRow
}

const stateColumns = `version, enabled, rate, burst, max_concurrency, failing_since_us, ` + breakerColumns

func (s *endpointState) dest() []any {
	return append([]any{&s.version, &s.enabled, &s.rate, &s.burst, &s.maxConcurrency, &s.failing}, s.breaker.dest()...)
}

// apply sets ep's fields that the state holds.
func (s *endpointState) apply(ep *Endpoint) {
	ep.version, ep.Enabled, ep.RateLimit, ep.Burst, ep.MaxConcurrency = s.version, s.enabled == 1, s.rate, s.burst, s.maxConcurrency
	ep.FailingSince = nil
	if s.failing != 0 {
		t := time.UnixMicro(s.failing)
		ep.FailingSince = &t
	}
	ep.Breaker = s.breaker.breaker()
}

// pendingTake is one delivery's first step through the gate.
type pendingTake struct {
	epID  string
	jobID int64

	st    endpointState
	found bool // the endpoint exists
	taken bool // a slot was taken for the job
	err   error
}

// checkedStatements returns the statements of a take batch: on
// PostgreSQL the one that reads the states and takes the slots (state is
// unused), on SQLite the one that takes the slots and the one, state, that
// reads the states before. sub puts in the database's clock.
func checkedStatements(d core.Dialect, sub func(string) string) (checked, state string) {
	if d != core.DialectPostgres {
		// The batch's endpoint ids are a JSON array, and its requests one of
		// [endpoint_id, job_id, cap, pick]; SQLite has neither arrays nor
		// DISTINCT ON, and parses a statement at each use, so one per batch
		// is what counts.
		state = `SELECT j.value, ` + stateColumns + ` FROM json_each(?) j JOIN webhook_endpoint e ON e.endpoint_id = j.value
	LEFT JOIN webhook_endpoint_breaker b ON b.endpoint_id = e.endpoint_id`
		checked = sub(`WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n + 1 < ?),
	r AS (SELECT json_extract(value, '$[0]') AS endpoint_id, json_extract(value, '$[1]') AS job_id,
		json_extract(value, '$[2]') AS cap, json_extract(value, '$[3]') AS pick FROM json_each(?)),
	f AS (SELECT r.endpoint_id, s.n, r.job_id, ROW_NUMBER() OVER (PARTITION BY r.endpoint_id ORDER BY (s.n + r.pick) % r.cap) AS rn
		FROM r JOIN s ON s.n < r.cap WHERE NOT EXISTS (SELECT 1 FROM webhook_endpoint_slot l
			WHERE l.endpoint_id = r.endpoint_id AND l.slot = s.n AND l.expires_us > NOW AND l.job_id <> r.job_id))
	INSERT INTO webhook_endpoint_slot (endpoint_id, slot, job_id, expires_us)
	SELECT endpoint_id, n, job_id, NOW + ? FROM f WHERE rn = 1
	ON CONFLICT (endpoint_id, slot) DO UPDATE SET job_id = excluded.job_id, expires_us = excluded.expires_us
	WHERE webhook_endpoint_slot.expires_us <= NOW OR webhook_endpoint_slot.job_id = excluded.job_id
	RETURNING endpoint_id`)
		return checked, state
	}
	// Every step reaches its rows through the request's own key (LATERAL,
	// kept from being flattened by OFFSET 0), so that the plan probes the
	// primary keys rather than hash a scan of the whole table.
	checked = sub(`WITH r (endpoint_id, job_id, pick) AS (SELECT * FROM unnest(?::text[], ?::bigint[], ?::int[])),
	ep AS (SELECT r.endpoint_id, r.job_id, r.pick, e.version, e.enabled, e.rate, e.burst, e.max_concurrency, e.failing_since_us,
		COALESCE(b.breaker_state, 'closed') AS b_state, COALESCE(b.breaker_failures, 0) AS b_failures,
		COALESCE(b.breaker_opens, 0) AS b_opens, COALESCE(b.breaker_opened_us, 0) AS b_opened,
		COALESCE(b.breaker_probe_us, 0) AS b_probe,
		CASE WHEN e.max_concurrency > 0 THEN e.max_concurrency ELSE ? END AS cap
		FROM r CROSS JOIN LATERAL (SELECT * FROM webhook_endpoint e WHERE e.endpoint_id = r.endpoint_id OFFSET 0) e
		LEFT JOIN LATERAL (SELECT * FROM webhook_endpoint_breaker b WHERE b.endpoint_id = r.endpoint_id OFFSET 0) b ON true),
	p AS (SELECT ep.endpoint_id, f.n, ep.job_id FROM ep CROSS JOIN LATERAL (SELECT n FROM generate_series(0, ep.cap - 1) AS n
		WHERE NOT EXISTS (SELECT 1 FROM webhook_endpoint_slot l
			WHERE l.endpoint_id = ep.endpoint_id AND l.slot = n AND l.expires_us > NOW AND l.job_id <> ep.job_id)
		ORDER BY (n + ep.pick) % ep.cap LIMIT 1) f
		WHERE ep.enabled = 1 AND ep.rate = 0),
	t AS (INSERT INTO webhook_endpoint_slot (endpoint_id, slot, job_id, expires_us)
		SELECT endpoint_id, n, job_id, NOW + ? FROM p
		ON CONFLICT (endpoint_id, slot) DO UPDATE SET job_id = excluded.job_id, expires_us = excluded.expires_us
		WHERE webhook_endpoint_slot.expires_us <= NOW OR webhook_endpoint_slot.job_id = excluded.job_id
		RETURNING endpoint_id)
	SELECT endpoint_id, version, enabled, rate, burst, max_concurrency, failing_since_us,
		b_state, b_failures, b_opens, b_opened, b_probe,
		EXISTS (SELECT 1 FROM t WHERE t.endpoint_id = ep.endpoint_id) FROM ep`)
	return checked, state
}

// takesPostgres serves a take batch with the one statement.
func (g *gate) takesPostgres(ctx context.Context, batch []*pendingTake) {
	n := len(batch)
	eps, jobs, picks := make([]string, n), make([]int64, n), make([]int32, n)
	byEP := make(map[string]*pendingTake, n)
	for i, p := range batch {
		eps[i], jobs[i], picks[i] = p.epID, p.jobID, int32(mrand.IntN(1<<20))
		byEP[p.epID] = p
	}
	err := core.QueryEach(ctx, g.db, g.checked, []any{eps, jobs, picks, g.defaultCap, g.lease.Microseconds()}, func(r core.Rows) error {
		var id string
		var st endpointState
		var taken bool
		if err := r.Scan(append(append([]any{&id}, st.dest()...), &taken)...); err != nil {
			return err
		}
		if p := byEP[id]; p != nil {
			p.st, p.found, p.taken = st, true, taken
		}
		return nil
	})
	for _, p := range batch {
		p.err = err
	}
}

// takesSQLite serves a take batch in the transaction inTx gives, with
// two statements: one reads the endpoints' states, one takes the slots
// of those that are enabled and not rate-limited.
func (g *gate) takesSQLite(inTx func(context.Context, func(core.Runner) error) error) func(context.Context, []*pendingTake) {
	return func(ctx context.Context, batch []*pendingTake) {
		byEP := make(map[string]*pendingTake, len(batch))
		ids := make([]string, len(batch))
		for i, p := range batch {
			*p = pendingTake{epID: p.epID, jobID: p.jobID}
			ids[i] = p.epID
			byEP[p.epID] = p
		}
		err := inTx(ctx, func(r core.Runner) error {
			idsJSON, err := json.Marshal(ids)
			if err != nil {
				return err
			}
			err = core.QueryEach(ctx, r, g.state, []any{string(idsJSON)}, func(r core.Rows) error {
				var id string
				var st endpointState
				if err := r.Scan(append([]any{&id}, st.dest()...)...); err != nil {
					return err
				}
				if p := byEP[id]; p != nil {
					p.st, p.found = st, true
				}
				return nil
			})
			if err != nil {
				return err
			}
			var reqs [][4]any
			maxCap := 1
			for _, p := range batch {
				if !p.found || p.st.enabled != 1 || p.st.rate != 0 {
					continue
				}
				limit := p.st.maxConcurrency
				if limit <= 0 {
					limit = g.defaultCap
				}
				maxCap = max(maxCap, limit)
				reqs = append(reqs, [4]any{p.epID, p.jobID, limit, mrand.IntN(limit)})
			}
			if len(reqs) == 0 {
				return nil
			}
			reqJSON, err := json.Marshal(reqs)
			if err != nil {
				return err
			}
			return core.QueryEach(ctx, r, g.checked, []any{maxCap, string(reqJSON), g.lease.Microseconds()}, func(r core.Rows) error {
				var id string
				if err := r.Scan(&id); err != nil {
					return err
				}
				if p := byEP[id]; p != nil {
					p.taken = true
				}
				return nil
			})
		})
		for _, p := range batch {
			if p.err = err; err != nil {
				p.taken = false // rolled back
			}
		}
	}
}

// takeChecked reads the state of the endpoint epID and, if it is enabled
// and has no rate limit, tries to take one of its slots for the job.
// found is false if the endpoint no longer exists.
func (g *gate) takeChecked(ctx context.Context, epID string, jobID int64) (st endpointState, taken, found bool, err error) {
	p := &pendingTake{epID: epID, jobID: jobID}
	g.takes.do(p)
	return p.st, p.taken, p.found, p.err
}

// enterTaken is [gate.enter] for an endpoint without a rate limit whose
// first try for a slot takeChecked made.
func (g *gate) enterTaken(ctx context.Context, ep *Endpoint, job *river.Job[core.EndpointArgs], taken bool) (gatePass, error) {
	orig := readGateMeta(job.Metadata)
	m := orig
	m.Booked = 0
	return g.afterTake(ctx, ep, job, taken, orig, m)
}
