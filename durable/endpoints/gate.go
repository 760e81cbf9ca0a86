package endpoints

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"errors"
	"math"
	mrand "math/rand/v2"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/signedhooks/webhook/durable/internal/core"
	"github.com/tidwall/gjson"
)

// The gate keeps one endpoint from holding more than its share of the
// fleet's workers, and keeps its rate limit for the fleet, with its state in
// the database, so that every process sharing it sees the same counts:
//
//   - Concurrency: an attempt holds one of the endpoint's MaxConcurrency
//     slots, a row of webhook_endpoint_slot taken in one statement before
//     the attempt and marked free after it (kept, not deleted: an update
//     that touches no index is much cheaper for PostgreSQL than an insert
//     and a delete per delivery; an endpoint has at most its cap of rows,
//     deleted with it). A slot expires a little after the
//     longest a job may run, so a crashed worker's slot comes back by
//     itself. With no slot free, the job joins the endpoint's line
//     (webhook_endpoint_waiter) and is snoozed, which frees its worker at
//     once; each release wakes the longest waiting job (it makes its River
//     job available now), so a backlog costs no polling. A waiter's snooze
//     still ends by itself after a while (doubling from gateWaitFirst to
//     gateWaitMax), in case its wake-up was lost with a crashed worker.
//
//   - Rate: a token bucket per endpoint in webhook_endpoint_bucket, kept as
//     the theoretical arrival time of the next attempt (the generic cell
//     rate algorithm, which is a token bucket with one number of state). An
//     attempt reserves the next free time in one statement, if it is at
//     most gateHorizon ahead, and the job is snoozed until then: no worker
//     waits, and no attempt is spent (River does not count snoozes). A
//     job that finds the bucket booked beyond the horizon snoozes until the
//     horizon reaches it and tries again.
//
//     A booking only schedules the job: River starts it some time after
//     the booked time (its fetch polls, and a loaded machine is slower),
//     and the work before the request (the breaker, the message, the
//     secrets) takes more, so requests sent late by different amounts
//     would bunch. So, however late, the request is admitted just before
//     it is sent ([gatePass.admit]) by a second bucket of the same rate,
//     webhook_endpoint_send, with a tolerance that absorbs the lateness
//     of typical requests (see admitTolerance); that bucket, which counts
//     requests and not bookings, is what keeps the endpoint within
//     limit + burst over any second. A request it does not admit yet is
//     snoozed until it can be, keeping its booking: it never goes to the
//     back of the bookings for being late, so lateness delays attempts
//     but cannot starve the endpoint.
//
// Times in these tables are on the database's clock, so that processes
// whose clocks differ agree; every wait is computed by the database and
// handed back as a duration.
//
// Snoozes made here are recorded in the job's metadata (metaGate): they are
// not runs, and the attempt number sent to the receiver leaves them out.

const (
	// gateHorizon is how far ahead an attempt may book the bucket. It stays
	// below River's scheduler interval (5 s), so that a booked job is made
	// available by its own snooze and fetched on time, not a scheduler
	// round later.
	gateHorizon = 3 * time.Second
	// gateLate is the most room the rate's tolerance keeps for the time
	// from a request's admission to its sending (see lateness).
	gateLate = 250 * time.Millisecond
	// gateWaitFirst and gateWaitMax bound the snooze of a job waiting in
	// line for a slot, which a release normally ends much earlier: it
	// doubles from the first to the most.
	gateWaitFirst = 5 * time.Second
	// gateRecheck is how long a release waits before it looks again at a
	// line whose first jobs are still running (see leave).
	gateRecheck = 50 * time.Millisecond
	gateWaitMax = 30 * time.Second
)

// metaGate is the job metadata key of the gate's snoozes.
const metaGate = "webhook_gate"

// gateMeta is the value stored under metaGate.
type gateMeta struct {
	Snoozes int  `json:"snoozes"`           // snoozes made by the gate
	Waits   int  `json:"waits,omitempty"`   // of which in a row without a booking or a slot
	Booked  int  `json:"booked,omitempty"`  // the snooze (by number) that booked a time
	InLine  bool `json:"in_line,omitempty"` // the job is in its endpoint's line
}

func readGateMeta(metadata []byte) gateMeta {
	if !bytes.Contains(metadata, []byte(`"`+metaGate+`"`)) {
		return gateMeta{} // most jobs: never snoozed by the gate
	}
	g := gjson.GetBytes(metadata, metaGate)
	return gateMeta{Snoozes: int(g.Get("snoozes").Int()), Waits: int(g.Get("waits").Int()), Booked: int(g.Get("booked").Int()),
		InLine: g.Get("in_line").Bool()}
}

// gateSnoozes returns how many of a job's snoozes the gate made.
func gateSnoozes(metadata []byte) int { return readGateMeta(metadata).Snoozes }

// gate runs the statements of the endpoints' slots and buckets.
type gate struct {
	db         core.Runner
	dialect    core.Dialect
	defaultCap int
	lease      time.Duration
	takeSlot   string
	freeSlot   string
	join       string
	quit       string
	line       string // the first jobs in line and their River states
	freeLine   string // PostgreSQL: freeSlot and line in one round trip
	wake       string // make a sleeping job available now
	checked    string // PostgreSQL: the endpoint's state and a slot in one round trip (gate_fast.go)
	state      string // SQLite: the endpoint's state
	takes      groupCommit[pendingTake]
	book       string
	admit      string // admit a request (webhook_endpoint_send)
	// lineWait, set by tests before Start, sees the snooze of every job
	// that joins a line and returns the one to use.
	lineWait func(time.Duration) time.Duration
	// bookedStart, set by tests before Start, is called when a job that
	// booked a time runs again, before the gate looks at the time: a sleep
	// in it makes the job start late, as a loaded machine's fetches do.
	bookedStart func(jobID int64)
}

func newGate(db core.Runner, d core.Dialect, defaultCap int, lease time.Duration) *gate {
	// now is the database's clock in Unix microseconds, one value per
	// statement on both.
	now := `CAST((julianday('now') - 2440587.5) * 86400000000.0 AS BIGINT)`
	if d == core.DialectPostgres {
		now = `CAST(extract(epoch FROM now()) * 1000000 AS BIGINT)`
	}
	sub := func(q string) string { return strings.ReplaceAll(q, "NOW", now) }
	g := &gate{
		db: db, dialect: d, defaultCap: defaultCap, lease: lease,
		// A free slot (never taken, expired, or this job's own from a run
		// that did not release it), the first from a random one on, so
		// that concurrent takers seldom pick the same; the insert or the
		// conditional update takes it, or changes nothing if a concurrent
		// statement took it first.
		takeSlot: sub(`WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n + 1 < ?)
	INSERT INTO webhook_endpoint_slot (endpoint_id, slot, job_id, expires_us)
	SELECT ?, n, ?, NOW + ? FROM s WHERE NOT EXISTS (SELECT 1 FROM webhook_endpoint_slot l
		WHERE l.endpoint_id = ? AND l.slot = s.n AND l.expires_us > NOW AND l.job_id <> ?)
	ORDER BY (n + ?) % ? LIMIT 1
	ON CONFLICT (endpoint_id, slot) DO UPDATE SET job_id = excluded.job_id, expires_us = excluded.expires_us
	WHERE webhook_endpoint_slot.expires_us <= NOW OR webhook_endpoint_slot.job_id = excluded.job_id`),
		freeSlot: `UPDATE webhook_endpoint_slot SET job_id = 0, expires_us = 0 WHERE endpoint_id = ? AND job_id = ?`,
		join: sub(`INSERT INTO webhook_endpoint_waiter (endpoint_id, job_id, since_us) VALUES (?, ?, NOW)
	ON CONFLICT (endpoint_id, job_id) DO NOTHING`),
		quit: `DELETE FROM webhook_endpoint_waiter WHERE endpoint_id = ? AND job_id = ?`,
		line: lineOf(`datetime('now', 'subsec')`, `= ?`),
		// Only a job still waiting (snoozed) is woken: never a running or
		// a finished one.
		wake: `UPDATE river_job SET state = 'available', scheduled_at = datetime('now', 'subsec')
	WHERE id = ? AND kind = '` + core.EndpointKind + `'
	AND (state = 'scheduled' OR (state = 'available' AND scheduled_at > datetime('now', 'subsec')))`,
		// Book the next free time if it is within the horizon: tat is the
		// time the bucket is booked until; an attempt may start at tat -
		// tolerance, and books one interval more. The booking's random key
		// tells the caller whether it was its statement that booked.
		book: sub(`INSERT INTO webhook_endpoint_bucket (endpoint_id, tat_us, booking) VALUES (?, NOW + ?, ?)
	ON CONFLICT (endpoint_id) DO UPDATE SET
	tat_us = CASE WHEN webhook_endpoint_bucket.tat_us - ? - NOW <= ?
		THEN (CASE WHEN webhook_endpoint_bucket.tat_us > NOW THEN webhook_endpoint_bucket.tat_us ELSE NOW END) + ?
		ELSE webhook_endpoint_bucket.tat_us END,
	booking = CASE WHEN webhook_endpoint_bucket.tat_us - ? - NOW <= ? THEN excluded.booking ELSE webhook_endpoint_bucket.booking END
	RETURNING tat_us - NOW, booking`),
		// The same algorithm on requests: admit one if the next
		// conforming time (tat - tolerance) is now or past.
		admit: sub(`INSERT INTO webhook_endpoint_send (endpoint_id, tat_us, admission) VALUES (?, NOW + ?, ?)
	ON CONFLICT (endpoint_id) DO UPDATE SET
	tat_us = CASE WHEN webhook_endpoint_send.tat_us - ? <= NOW
		THEN (CASE WHEN webhook_endpoint_send.tat_us > NOW THEN webhook_endpoint_send.tat_us ELSE NOW END) + ?
		ELSE webhook_endpoint_send.tat_us END,
	admission = CASE WHEN webhook_endpoint_send.tat_us - ? <= NOW THEN excluded.admission ELSE webhook_endpoint_send.admission END
	RETURNING tat_us - NOW, admission`),
	}
	g.checked, g.state = checkedStatements(d, sub)
	if d == core.DialectPostgres {
		g.line = lineOf(`now()`, `= ?`)
		g.freeLine = `WITH f AS (UPDATE webhook_endpoint_slot SET job_id = 0, expires_us = 0 WHERE endpoint_id = ? AND job_id = ?) ` + g.line
		g.wake = `UPDATE river_job SET state = 'available', scheduled_at = now()
	WHERE id = ? AND kind = '` + core.EndpointKind + `'
	AND (state = 'scheduled' OR (state = 'available' AND scheduled_at > now()))`
	}
	return g
}

// gateSchema is the gate's tables and the endpoint's max_concurrency
// column, added to databases of earlier versions.
func gateSchema(d core.Dialect) []string {
	return []string{
		`CREATE TABLE IF NOT EXISTS webhook_endpoint_slot (
	endpoint_id TEXT NOT NULL,
	slot INTEGER NOT NULL,
	job_id BIGINT NOT NULL,
	expires_us BIGINT NOT NULL,
	PRIMARY KEY (endpoint_id, slot)
)`,
		`CREATE TABLE IF NOT EXISTS webhook_endpoint_waiter (
	endpoint_id TEXT NOT NULL,
	job_id BIGINT NOT NULL,
	since_us BIGINT NOT NULL,
	PRIMARY KEY (endpoint_id, job_id)
)`,
		`CREATE INDEX IF NOT EXISTS webhook_endpoint_waiter_since ON webhook_endpoint_waiter (endpoint_id, since_us)`,
		`CREATE TABLE IF NOT EXISTS webhook_endpoint_bucket (
	endpoint_id TEXT PRIMARY KEY,
	tat_us BIGINT NOT NULL,
	booking BIGINT NOT NULL
)`,
		`CREATE TABLE IF NOT EXISTS webhook_endpoint_send (
	endpoint_id TEXT PRIMARY KEY,
	tat_us BIGINT NOT NULL,
	admission BIGINT NOT NULL
)`,
	}
}

// migrateGate creates the gate's tables and adds max_concurrency to
// webhook_endpoint if it lacks it (SQLite has no ADD COLUMN IF NOT EXISTS).
func migrateGate[TTx any](ctx context.Context, b core.Backend[TTx]) error {
	for _, q := range gateSchema(b.Dialect()) {
		if err := b.Exec(ctx, q); err != nil {
			return err
		}
	}
	if b.Dialect() == core.DialectPostgres {
		return b.Exec(ctx, `ALTER TABLE webhook_endpoint ADD COLUMN IF NOT EXISTS max_concurrency INTEGER NOT NULL DEFAULT 0`)
	}
	rs, err := b.Query(ctx, `SELECT 1 FROM pragma_table_info('webhook_endpoint') WHERE name = 'max_concurrency'`)
	if err != nil {
		return err
	}
	has := rs.Next()
	rs.Close()
	if err := rs.Err(); err != nil || has {
		return err
	}
	return b.Exec(ctx, `ALTER TABLE webhook_endpoint ADD COLUMN max_concurrency INTEGER NOT NULL DEFAULT 0`)
}

// dropGate deletes a deleted endpoint's slots, line and buckets.
func dropGate(ctx context.Context, r core.Runner, endpointID string) error {
	for _, table := range []string{"webhook_endpoint_slot", "webhook_endpoint_waiter", "webhook_endpoint_bucket",
		"webhook_endpoint_send"} {
		if _, err := r.Exec(ctx, `DELETE FROM `+table+` WHERE endpoint_id = ?`, endpointID); err != nil {
			return err
		}
	}
	return nil
}

// gatePass is a job's way through the gate: admit admits its request
// under the endpoint's rate limit, Leave releases its slot.
type gatePass struct {
	g     *gate
	ep    *Endpoint
	jobID int64
	meta  gateMeta // the job's gate metadata as enter left it
}

// admit admits the attempt's request under its endpoint's rate limit
// (none: at once), or returns the snooze until it can be: it keeps the
// job's booking, so that the job waits only to be admitted, not at the
// back of the bookings again, and it sends nothing and spends no
// attempt. The caller sends the request right after admit, and still
// calls Leave.
func (p gatePass) admit(ctx context.Context) error {
	if p.g == nil || p.ep.RateLimit <= 0 {
		return nil
	}
	wait, ok, err := p.g.admitRequest(ctx, p.ep)
	if err != nil || ok {
		return err
	}
	m := p.meta
	m.Snoozes++
	m.Booked, m.Waits = m.Snoozes, 0
	return m.snooze(ctx, wait)
}

// enter lets the job's attempt to ep through, or returns the snooze that
// reschedules it (a [river.JobSnooze] error), or a database error. The
// caller calls Leave on the pass when the attempt is over.
func (g *gate) enter(ctx context.Context, ep *Endpoint, job *river.Job[core.EndpointArgs]) (gatePass, error) {
	orig := readGateMeta(job.Metadata)
	m := orig
	// The job's last snooze ends at the time it booked, or at its
	// admission: however late it starts, it does not book again.
	booked := m.Booked != 0 && m.Booked == m.Snoozes
	if booked && g.bookedStart != nil {
		g.bookedStart(job.ID)
	}
	m.Booked = 0
	if ep.RateLimit > 0 && !booked {
		wait, ok, err := g.bookTime(ctx, ep, m.Waits)
		if err != nil {
			return gatePass{}, err
		}
		if !ok || wait > 0 {
			m.Snoozes++
			if ok {
				m.Booked, m.Waits = m.Snoozes, 0
			} else {
				m.Waits++
			}
			return gatePass{}, m.snooze(ctx, wait)
		}
	}
	taken, err := g.take(ctx, ep, job.ID)
	if err != nil {
		return gatePass{}, err
	}
	return g.afterTake(ctx, ep, job, taken, orig, m)
}

// afterTake goes on from the job's first try for a slot: with none free it
// joins the endpoint's line and is snoozed. orig is the job's gate metadata
// as it came, m as enter left it.
func (g *gate) afterTake(ctx context.Context, ep *Endpoint, job *river.Job[core.EndpointArgs], taken bool,
	orig, m gateMeta) (gatePass, error) {
	var err error
	if !taken {
		// Join the line (again, if a release took this job out of it to
		// wake it), then try once more: a release between the two either
		// frees a slot for the second try or wakes this job.
		if _, err := g.db.Exec(ctx, g.join, ep.ID, job.ID); err != nil {
			return gatePass{}, err
		}
		m.InLine = true
		if taken, err = g.take(ctx, ep, job.ID); err != nil {
			return gatePass{}, err
		}
		if !taken {
			m.Snoozes++
			d := jitter(min(gateWaitFirst<<min(m.Waits, 5), gateWaitMax))
			if g.lineWait != nil {
				d = g.lineWait(d)
			}
			m.Waits++
			return gatePass{}, m.snooze(ctx, d)
		}
	}
	if m.InLine {
		if _, err := g.db.Exec(ctx, g.quit, ep.ID, job.ID); err != nil {
			g.leave(ctx, ep.ID, job.ID)
			return gatePass{}, err
		}
		m.InLine = false
	}
	if m.Waits = 0; m != orig { // a booking is used once
		_ = river.MetadataSet(ctx, metaGate, m) // fails only outside a worker
	}
	return gatePass{g: g, ep: ep, jobID: job.ID, meta: m}, nil
}

func (m gateMeta) snooze(ctx context.Context, d time.Duration) error {
	if err := river.MetadataSet(ctx, metaGate, m); err != nil {
		return err
	}
	return river.JobSnooze(max(d, 0))
}

// take takes a slot of ep for the job. A concurrent statement that took
// the same free slot makes it change nothing; on PostgreSQL it tries once
// more then, from another random slot.
func (g *gate) take(ctx context.Context, ep *Endpoint, jobID int64) (bool, error) {
	return g.takeOn(ctx, g.db, ep, jobID)
}

// takeOn is take on r, the database or a transaction.
func (g *gate) takeOn(ctx context.Context, r core.Runner, ep *Endpoint, jobID int64) (bool, error) {
	limit := ep.MaxConcurrency
	if limit <= 0 {
		limit = g.defaultCap
	}
	for range 2 {
		n, err := r.Exec(ctx, g.takeSlot, limit, ep.ID, jobID, g.lease.Microseconds(), ep.ID, jobID, mrand.IntN(limit), limit)
		if err != nil || n > 0 || g.dialect != core.DialectPostgres { // SQLite runs one statement at a time
			return n > 0, err
		}
	}
	return false, nil
}

// Leave releases the pass's slot and wakes the first job in the
// endpoint's line. It runs after the attempt, whatever its outcome, on a
// context of its own: a slot it fails to release expires.
func (p gatePass) Leave(ctx context.Context) {
	if p.g != nil {
		p.g.leave(ctx, p.ep.ID, p.jobID)
	}
}

// leave frees the job's slot and wakes the first sleeping job in line. A
// job in line may still be running, about to snooze (River records the
// snooze after Work returns): it cannot be woken yet, so leave looks
// again a little later, a few times, rather than let it sleep on with a
// slot free.
func (g *gate) leave(ctx context.Context, ep string, jobID int64) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	q, args := g.freeLine, []any{ep, jobID, ep}
	if g.dialect != core.DialectPostgres {
		if _, err := g.db.Exec(ctx, g.freeSlot, ep, jobID); err != nil {
			return
		}
		q, args = g.line, []any{ep}
	}
	line, err := g.readLine(ctx, ep, q, args)
	if err != nil {
		return
	}
	g.wakeLine(ctx, ep, line)
}

// lineWaiter is a job in an endpoint's line, with its River state.
type lineWaiter struct {
	job   int64
	state sql.NullString
	later int
}

// readLine runs q, a query of lineOf's, and returns ep's line.
func (g *gate) readLine(ctx context.Context, ep, q string, args []any) ([]lineWaiter, error) {
	lines := map[string][]lineWaiter{}
	err := core.QueryEach(ctx, g.db, q, args, scanLines(lines))
	return lines[ep], err
}

// wakeLine wakes the first sleeping job of ep's line, given its first
// jobs as a release read them (see leave).
func (g *gate) wakeLine(ctx context.Context, ep string, line []lineWaiter) {
	for try := 0; ; try++ {
		pending := false
		for _, w := range line {
			switch st := w.state.String; {
			case st == "scheduled" || st == "available" && w.later == 1:
				if n, err := g.db.Exec(ctx, g.wake, w.job); err != nil || n > 0 {
					_, _ = g.db.Exec(ctx, g.quit, ep, w.job)
					return
				}
				pending = true // it changed meanwhile
			case st == "available":
				return // due now: it runs and takes the slot by itself
			case st == "running":
				pending = true
			case st == "retryable": // it comes back by itself
			default: // finished, or gone: out of the line
				_, _ = g.db.Exec(ctx, g.quit, ep, w.job)
			}
		}
		if !pending || try == 3 {
			return
		}
		select {
		case <-time.After(gateRecheck):
		case <-ctx.Done():
			return
		}
		var err error
		if line, err = g.readLine(ctx, ep, g.line, []any{ep}); err != nil {
			return
		}
	}
}

// bookTime books ep's next free time. ok reports a booking, which starts
// after wait (zero or less: now); without one, wait is how long until the
// bucket's bookings are within the horizon again, and a random share of a
// spread that doubles with the job's waits in a row (up to 16 horizons), so
// that a long backlog does not come back all at once, again and again.
func (g *gate) bookTime(ctx context.Context, ep *Endpoint, waits int) (wait time.Duration, ok bool, err error) {
	interval := rateInterval(ep)
	tolerance := interval * int64(max(ep.Burst, 1)-1) // a burst goes at once
	horizon := gateHorizon.Microseconds()
	booking := gateKey()
	var ahead, got int64
	found := false
	err = core.QueryEach(ctx, g.db, g.book, []any{ep.ID, interval, booking, tolerance, horizon, interval, tolerance, horizon},
		func(r core.Rows) error { found = true; return r.Scan(&ahead, &got) })
	if err == nil && !found {
		err = errors.New("durable: rate bucket: no row")
	}
	if err != nil {
		return 0, false, err
	}
	if got == booking {
		// Booked until ahead: this attempt's time is one interval earlier.
		return time.Duration(ahead-interval-tolerance) * time.Microsecond, true, nil
	}
	wait = time.Duration(ahead-tolerance-horizon) * time.Microsecond
	return max(wait, 0) + jitter(gateHorizon<<min(waits, 4)), false, nil
}

// admitRequest admits a request to ep now (ok), or returns how long
// until one can be admitted.
func (g *gate) admitRequest(ctx context.Context, ep *Endpoint) (wait time.Duration, ok bool, err error) {
	interval, tolerance := rateInterval(ep), admitTolerance(ep).Microseconds()
	admission := gateKey()
	var ahead, got int64
	found := false
	err = core.QueryEach(ctx, g.db, g.admit, []any{ep.ID, interval, admission, tolerance, interval, tolerance},
		func(r core.Rows) error { found = true; return r.Scan(&ahead, &got) })
	if err == nil && !found {
		err = errors.New("durable: send bucket: no row")
	}
	if err != nil {
		return 0, false, err
	}
	if got == admission {
		return 0, true, nil
	}
	return max(time.Duration(ahead-tolerance)*time.Microsecond, 0), false, nil
}

// rateInterval is ep's interval between attempts at its rate limit, in µs,
// rounded up (a rate limit is a maximum).
func rateInterval(ep *Endpoint) int64 { return max(int64(math.Ceil(1e6/ep.RateLimit)), 1) }

// gateKey is a random key, positive and (all but surely) not zero, that
// tells a statement's caller whether the row it returns is its own.
func gateKey() int64 {
	var key [8]byte
	_, _ = rand.Read(key[:])
	return max(int64(binary.BigEndian.Uint64(key[:])>>1), 1)
}

// rateSlack is how far, in all, ep's requests may come closer together
// than its interval and still keep to limit + burst over any second:
// (burst - f) intervals, where f is the fraction in the limit (0 for a
// whole number of attempts a second).
//
// The bound: requests are admitted by a bucket of tolerance τ, so n
// admissions in a row span at least (n-1)T - τ, for the interval T, and
// a request is sent at most L = lateness after its admission. n requests
// sent within a window of length W were so admitted within less than
// W + L: (n-1)T - τ < W + L, that is n < 1 + (W + L + τ)/T. With
// W = 1 s = limit·T and L + τ = (burst - f)T, n < 1 + floor(limit) +
// burst, so n <= floor(limit) + burst <= limit + burst. How late a job
// is before its admission does not enter: its request is counted at its
// admission, whenever that is.
func rateSlack(ep *Endpoint) time.Duration {
	limit := ep.RateLimit
	return time.Duration((float64(max(ep.Burst, 1)) - (limit - math.Floor(limit))) * float64(time.Second) / limit)
}

// lateness is the room the rate's tolerance keeps for the time from a
// request's admission to its sending, which is short: the worker admits
// it right before it signs and sends it. It is at most half of the first
// interval's share of rateSlack ((1 - f)T/2, half an interval for a
// whole-number limit), so that admitTolerance keeps at least the
// bookings' tolerance, and at most gateLate.
func lateness(ep *Endpoint) time.Duration {
	limit := ep.RateLimit
	first := (1 - (limit - math.Floor(limit))) * float64(time.Second) / limit
	return min(gateLate, time.Duration(first/2))
}

// admitTolerance is how much earlier than one interval after the last a
// request to ep may be admitted: rateSlack less lateness, at least the
// bookings' tolerance ((burst-1) intervals) and half the first interval's
// share more, so that requests booked one interval apart and late by
// different amounts, up to that much, are admitted at once.
func admitTolerance(ep *Endpoint) time.Duration { return rateSlack(ep) - lateness(ep) }

// jitter returns a duration between d/2 and d.
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + time.Duration(mrand.Int64N(int64(d/2)))
}
