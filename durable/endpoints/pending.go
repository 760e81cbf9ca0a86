package endpoints

import (
	"context"
	"fmt"
	"time"

	"github.com/signedhooks/webhook/durable/internal/core"
)

// Pending is one endpoint's backlog at one moment, from
// [Service.PendingByEndpoint].
type Pending struct {
	// EndpointID and ApplicationID name the endpoint.
	EndpointID    string `json:"endpoint_id"`
	ApplicationID string `json:"application_id"`
	// Pending counts its unfinished deliveries: due, scheduled (a retry,
	// a rate or concurrency wait, an open breaker) or running.
	Pending int64 `json:"pending"`
	// Oldest is how long its oldest unfinished delivery has been
	// scheduled for: how far behind the endpoint is.
	Oldest time.Duration `json:"oldest_ns"`
}

// maxPendingEndpoints bounds [Service.PendingByEndpoint]'s answer.
const maxPendingEndpoints = 1000

// PendingByEndpoint returns the endpoints with the most unfinished
// deliveries, most first, at most limit of them (1 to 1000; 0 means 100),
// so that an operator sees which customers' endpoints are behind. It is
// one query that reads every unfinished delivery job (through River's
// index on their state), so its cost grows with the backlog: poll it every
// few tens of seconds, not per job.
func (e *Service[TTx]) PendingByEndpoint(ctx context.Context, limit int) ([]Pending, error) {
	if limit == 0 {
		limit = 100
	}
	if limit < 0 || limit > maxPendingEndpoints {
		return nil, fmt.Errorf("%w: limit must be between 1 and %d", ErrInvalidField, maxPendingEndpoints)
	}
	ep, app := `json_extract(args, '$.endpoint_id')`, `json_extract(args, '$.app_id')`
	if e.rt.Backend().Dialect() == core.DialectPostgres {
		ep, app = `args->>'endpoint_id'`, `args->>'app_id'`
	}
	age := core.OldestAgeUS(e.rt.Backend().Dialect())
	rs, err := e.rt.Backend().Query(ctx, `SELECT `+ep+`, min(`+app+`), count(*), `+age+` FROM river_job
	WHERE kind = ? AND state IN ('available', 'scheduled', 'running', 'retryable')
	GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT ?`, core.EndpointKind, limit)
	if err != nil {
		return nil, fmt.Errorf("durable: pending by endpoint: %w", err)
	}
	defer rs.Close()
	var out []Pending
	for rs.Next() {
		var p Pending
		var ageUS *int64
		if err := rs.Scan(&p.EndpointID, &p.ApplicationID, &p.Pending, &ageUS); err != nil {
			return nil, fmt.Errorf("durable: pending by endpoint: %w", err)
		}
		if ageUS != nil && *ageUS > 0 {
			p.Oldest = time.Duration(*ageUS) * time.Microsecond
		}
		out = append(out, p)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("durable: pending by endpoint: %w", err)
	}
	return out, nil
}
