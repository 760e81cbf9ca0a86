package endpoints

import (
	"context"
	"strings"

	"github.com/signedhooks/webhook/durable/internal/core"
)

// An attempt ends with two writes: its row in the attempt log and the
// release of its endpoint's slot, which also reads the endpoint's line to
// wake the next job in it. Made one delivery at a time they were two or
// three statements of the six a delivery cost. They are group-committed
// (groupcommit.go): a batch is one statement on PostgreSQL (insert the
// attempts, mark the slots free, read the lines) and one transaction on
// SQLite. Each worker waits for its own batch, so an attempt is still
// recorded before its job completes, and a slot is free before its worker
// takes the next job.

// maxFinishBatch bounds the attempts written by one statement (11
// parameters each; SQLite allows 32,766).
const maxFinishBatch = 128

// pendingFinish is one attempt to record and its slot to free.
type pendingFinish struct {
	appID string
	jobID int64
	a     *Attempt

	recErr  error        // recording the attempt failed
	freeErr error        // freeing the slot (and reading the line) failed
	line    []lineWaiter // the first jobs in the endpoint's line
}

const attemptColumns = `app_id, endpoint_id, message_id, job_id, attempt, attempted_at_us, latency_us, status_code, outcome, error, response`

// lineOf reads the first four jobs in line, with their River state and
// whether they are due later than now (the database's clock), of each
// endpoint whose id matches cond: one (the gate's leave) or a batch's.
func lineOf(now, cond string) string {
	return `SELECT endpoint_id, job_id, state, later FROM (SELECT w.endpoint_id, w.job_id, j.state,
	CASE WHEN j.scheduled_at > ` + now + ` THEN 1 ELSE 0 END AS later,
	ROW_NUMBER() OVER (PARTITION BY w.endpoint_id ORDER BY w.since_us, w.job_id) AS rn
	FROM webhook_endpoint_waiter w LEFT JOIN river_job j ON j.id = w.job_id WHERE w.endpoint_id ` + cond + `) x
	WHERE rn <= 4 ORDER BY endpoint_id, rn`
}

// finishPostgres is the batch's one statement on PostgreSQL: arrays of
// the attempts' columns, then of the slots' endpoints and jobs. A slot
// row matching an endpoint and a job of the batch is one of the batch's
// pairs, since a job holds slots of its own endpoint only; matching each
// column on its own lets the primary key be probed.
var finishPostgres = `WITH a AS (INSERT INTO webhook_endpoint_attempt (` + attemptColumns + `)
	SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::bigint[], ?::int[], ?::bigint[], ?::bigint[], ?::int[],
		?::text[], ?::text[], ?::text[])),
	f AS (UPDATE webhook_endpoint_slot SET job_id = 0, expires_us = 0 WHERE endpoint_id = ANY(?::text[]) AND job_id = ANY(?::bigint[]))
	` + lineOf(`now()`, `= ANY(?::text[])`)

// runPostgres writes a batch with finishPostgres.
func runPostgres(db core.Runner) func(context.Context, []*pendingFinish) {
	return func(ctx context.Context, batch []*pendingFinish) {
		n := len(batch)
		apps, eps, msgs := make([]string, n), make([]string, n), make([]string, n)
		jobs, ats, lats := make([]int64, n), make([]int64, n), make([]int64, n)
		nums, codes := make([]int32, n), make([]int32, n)
		outcomes, errs, resps := make([]string, n), make([]string, n), make([]string, n)
		for i, p := range batch {
			a := p.a
			apps[i], eps[i], msgs[i], jobs[i] = p.appID, a.EndpointID, a.MessageID, p.jobID
			nums[i], ats[i], lats[i], codes[i] = int32(a.Number), a.At.UnixMicro(), a.Latency.Microseconds(), int32(a.StatusCode)
			outcomes[i], errs[i], resps[i] = a.Outcome, core.CleanText(a.Error), core.CleanText(a.Response)
		}
		lines := map[string][]lineWaiter{}
		err := core.QueryEach(ctx, db, finishPostgres, []any{apps, eps, msgs, jobs, nums, ats, lats, codes, outcomes, errs, resps,
			eps, jobs, eps}, scanLines(lines))
		setResults(batch, err, err, lines)
	}
}

// runSQLite writes a batch in one transaction of three statements.
func runSQLite(inTx func(context.Context, func(core.Runner) error) error) func(context.Context, []*pendingFinish) {
	return func(ctx context.Context, batch []*pendingFinish) {
		n := len(batch)
		var ins, in strings.Builder
		ins.WriteString(`INSERT INTO webhook_endpoint_attempt (` + attemptColumns + `) VALUES `)
		var jobs strings.Builder
		jobs.WriteString(` AND job_id IN (`)
		in.WriteString(`IN (`)
		insArgs, delArgs, inArgs := make([]any, 0, 11*n), make([]any, 0, 2*n), make([]any, 0, n)
		seen := map[string]bool{}
		for i, p := range batch {
			a := p.a
			if i > 0 {
				ins.WriteString(", ")
				jobs.WriteString(", ")
			}
			ins.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			insArgs = append(insArgs, p.appID, a.EndpointID, a.MessageID, p.jobID, a.Number, a.At.UnixMicro(), a.Latency.Microseconds(),
				a.StatusCode, a.Outcome, core.CleanText(a.Error), core.CleanText(a.Response))
			jobs.WriteString("?")
			delArgs = append(delArgs, p.jobID)
			if !seen[a.EndpointID] {
				if seen[a.EndpointID] = true; len(inArgs) > 0 {
					in.WriteString(", ")
				}
				in.WriteString("?")
				inArgs = append(inArgs, a.EndpointID)
			}
		}
		in.WriteString(")")
		jobs.WriteString(")")
		// As on PostgreSQL, each column is matched on its own, so that the
		// primary key is probed by endpoint rather than every row scanned.
		del := `UPDATE webhook_endpoint_slot SET job_id = 0, expires_us = 0 WHERE endpoint_id ` + in.String() + jobs.String()
		delArgs = append(append([]any{}, inArgs...), delArgs...)
		var recErr error
		lines := map[string][]lineWaiter{}
		freeErr := inTx(ctx, func(r core.Runner) error {
			// A failed insert leaves the slots to free: SQLite keeps the
			// transaction, without the failed statement's changes.
			if _, err := r.Exec(ctx, ins.String(), insArgs...); err != nil {
				recErr = err
			}
			if _, err := r.Exec(ctx, del, delArgs...); err != nil {
				return err
			}
			return core.QueryEach(ctx, r, lineOf(`datetime('now', 'subsec')`, in.String()), inArgs, scanLines(lines))
		})
		if recErr == nil && freeErr != nil {
			recErr = freeErr // rolled back with the rest
		}
		setResults(batch, recErr, freeErr, lines)
	}
}

func scanLines(lines map[string][]lineWaiter) func(core.Rows) error {
	return func(r core.Rows) error {
		var ep string
		var w lineWaiter
		if err := r.Scan(&ep, &w.job, &w.state, &w.later); err != nil {
			return err
		}
		lines[ep] = append(lines[ep], w)
		return nil
	}
}

func setResults(batch []*pendingFinish, recErr, freeErr error, lines map[string][]lineWaiter) {
	for _, p := range batch {
		p.recErr, p.freeErr = recErr, freeErr
		if freeErr == nil {
			p.line = lines[p.a.EndpointID]
		}
	}
}
