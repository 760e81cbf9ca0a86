package durable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// MaxPageSize is the largest page the listings return.
const MaxPageSize = 200

// ListMessages returns a page of application appID's messages, newest
// first, starting after cursor ("" for the first page). limit <= 0 means
// 50, and it is capped at [MaxPageSize]. Messages published meanwhile
// never shift the following pages: the cursor is a position in a
// monotonic sequence. Errors: [ErrUnknownApplication], [ErrInvalidField]
// for a malformed cursor.
func (e *Endpoints[TTx]) ListMessages(ctx context.Context, appID, cursor string, limit int) (Page[MessageRecord], error) {
	before, limit, err := pageArgs(cursor, limit)
	if err != nil {
		return Page[MessageRecord]{}, err
	}
	if _, err := e.GetApplication(ctx, appID); err != nil {
		return Page[MessageRecord]{}, err
	}
	items := []MessageRecord{}
	err = queryEach(ctx, e.db, `SELECT id, message_id, event_type, payload, created_us FROM webhook_message
	WHERE app_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, []any{appID, before, limit + 1}, func(r rows) error {
		var m MessageRecord
		var us int64
		err := r.Scan(&m.seq, &m.ID, &m.EventType, (*[]byte)(&m.Payload), &us)
		m.CreatedAt = time.UnixMicro(us)
		items = append(items, m)
		return err
	})
	if err != nil {
		return Page[MessageRecord]{}, fmt.Errorf("durable: list messages: %w", err)
	}
	p := Page[MessageRecord]{Items: items}
	if len(items) > limit {
		p.Items = items[:limit]
		p.Next = strconv.FormatInt(items[limit-1].seq, 10)
	}
	return p, nil
}

// AttemptFilter selects attempts: those of one endpoint, of one message, or
// of one message to one endpoint. At least one field must be set.
type AttemptFilter struct {
	EndpointID string
	MessageID  string
}

// ListAttempts returns a page of application appID's delivery attempts
// selected by f, newest first; cursor and limit work as in
// [Endpoints.ListMessages]. Errors: [ErrUnknownEndpoint] (when
// f.EndpointID is not the application's), [ErrInvalidField], [ErrInvalidText].
func (e *Endpoints[TTx]) ListAttempts(ctx context.Context, appID string, f AttemptFilter, cursor string, limit int) (Page[EndpointAttempt], error) {
	before, limit, err := pageArgs(cursor, limit)
	if err != nil {
		return Page[EndpointAttempt]{}, err
	}
	if err := checkText("the message id", f.MessageID); err != nil {
		return Page[EndpointAttempt]{}, err
	}
	q := `SELECT id, endpoint_id, message_id, attempt, attempted_at_us, latency_us, status_code, outcome, error, response
	FROM webhook_endpoint_attempt WHERE app_id = ? AND id < ?`
	args := []any{appID, before}
	switch {
	case f.EndpointID != "":
		if _, err := e.GetEndpoint(ctx, appID, f.EndpointID); err != nil {
			return Page[EndpointAttempt]{}, err
		}
		q += ` AND endpoint_id = ?`
		args = append(args, f.EndpointID)
		if f.MessageID != "" {
			q += ` AND message_id = ?`
			args = append(args, f.MessageID)
		}
	case f.MessageID != "":
		q += ` AND message_id = ?`
		args = append(args, f.MessageID)
	default:
		return Page[EndpointAttempt]{}, fmt.Errorf("%w: select attempts by endpoint or message", ErrInvalidField)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit+1)
	items := []EndpointAttempt{}
	err = queryEach(ctx, e.db, q, args, func(r rows) error {
		var a EndpointAttempt
		var at, lat int64
		err := r.Scan(&a.ID, &a.EndpointID, &a.MessageID, &a.Number, &at, &lat, &a.StatusCode, &a.Outcome, &a.Error, &a.Response)
		a.At, a.Latency = time.UnixMicro(at), time.Duration(lat)*time.Microsecond
		items = append(items, a)
		return err
	})
	if err != nil {
		return Page[EndpointAttempt]{}, fmt.Errorf("durable: list attempts: %w", err)
	}
	p := Page[EndpointAttempt]{Items: items}
	if len(items) > limit {
		p.Items = items[:limit]
		p.Next = strconv.FormatInt(items[limit-1].ID, 10)
	}
	return p, nil
}

func pageArgs(cursor string, limit int) (before int64, n int, err error) {
	before = math.MaxInt64
	if cursor != "" {
		before, err = strconv.ParseInt(cursor, 10, 64)
		if err != nil || before <= 0 {
			return 0, 0, fmt.Errorf("%w: malformed cursor", ErrInvalidField)
		}
	}
	if limit <= 0 {
		limit = 50
	}
	return before, min(limit, MaxPageSize), nil
}

// Resend delivers message messageID to one endpoint again, now, whatever
// became of its earlier delivery (a delivery still waiting or running is
// left alone). To a disabled endpoint the delivery is cancelled when its
// turn comes; enable the endpoint first. Errors: [ErrUnknownEndpoint],
// [ErrUnknownMessage].
func (e *Endpoints[TTx]) Resend(ctx context.Context, appID, endpointID, messageID string) error {
	if _, err := e.GetEndpoint(ctx, appID, endpointID); err != nil {
		return err
	}
	if !validText(messageID) { // no such id can be stored
		return ErrUnknownMessage
	}
	if _, err := loadMessage(ctx, e.db, appID, messageID); err != nil {
		return wrapStore("resend", err)
	}
	c, err := e.rt.river()
	if err != nil {
		return err
	}
	p := e.jobsOf(endpointID, messageID).First(1)
	res, err := c.JobList(ctx, p)
	if err != nil {
		return fmt.Errorf("durable: resend: %w", err)
	}
	if len(res.Jobs) == 0 { // past its retention: queue it anew
		_, err = c.Insert(ctx, endpointArgs{EndpointID: endpointID, MessageID: messageID, AppID: appID}, e.insertOpts())
	} else {
		_, err = c.JobRetry(ctx, res.Jobs[0].ID)
	}
	if err != nil {
		return fmt.Errorf("durable: resend: %w", err)
	}
	return nil
}

// Delivery returns the state of message messageID's delivery to one
// endpoint. Errors: [ErrUnknownEndpoint], and [ErrNotFound] when the
// message was never queued for it (or is past its retention).
func (e *Endpoints[TTx]) Delivery(ctx context.Context, appID, endpointID, messageID string) (Item, error) {
	if _, err := e.GetEndpoint(ctx, appID, endpointID); err != nil {
		return Item{}, err
	}
	c, err := e.rt.river()
	if err != nil {
		return Item{}, err
	}
	res, err := c.JobList(ctx, e.jobsOf(endpointID, messageID).First(1))
	if err != nil {
		return Item{}, fmt.Errorf("durable: delivery: %w", err)
	}
	if len(res.Jobs) == 0 {
		return Item{}, ErrNotFound
	}
	return itemFromJob(messageID, res.Jobs[0]), nil
}

// Recover re-enqueues every failed delivery (cancelled, or dead after its
// last attempt) to one endpoint that was published at or after since, and
// returns how many. Deliveries past their retention are not recovered.
// It returns [ErrUnknownEndpoint].
func (e *Endpoints[TTx]) Recover(ctx context.Context, appID, endpointID string, since time.Time) (int, error) {
	if _, err := e.GetEndpoint(ctx, appID, endpointID); err != nil {
		return 0, err
	}
	c, err := e.rt.river()
	if err != nil {
		return 0, err
	}
	p := e.jobsOf(endpointID, "").States(rivertype.JobStateCancelled, rivertype.JobStateDiscarded).First(500)
	n := 0
	for {
		res, err := c.JobList(ctx, p)
		if err != nil {
			return n, fmt.Errorf("durable: recover: %w", err)
		}
		for _, j := range res.Jobs {
			if j.CreatedAt.Before(since) {
				continue
			}
			if _, err := c.JobRetry(ctx, j.ID); err != nil && !errors.Is(err, river.ErrNotFound) {
				return n, fmt.Errorf("durable: recover: %w", err)
			}
			n++
		}
		if len(res.Jobs) < 500 {
			return n, nil
		}
		p = p.After(res.LastCursor)
	}
}

// jobsOf lists the delivery jobs of an endpoint (and of one message when
// messageID is set). On PostgreSQL the containment test uses River's GIN
// index on args.
func (e *Endpoints[TTx]) jobsOf(endpointID, messageID string) *river.JobListParams {
	p := river.NewJobListParams().Kinds(endpointKind)
	if e.rt.backend.dialect() == dialectPostgres {
		f := map[string]string{"endpoint_id": endpointID}
		if messageID != "" {
			f["message_id"] = messageID
		}
		filter, _ := json.Marshal(f)
		return p.Where("args @> @filter::jsonb", river.NamedArgs{"filter": string(filter)})
	}
	if messageID != "" {
		return p.Where("args ->> 'endpoint_id' = @ep AND args ->> 'message_id' = @msg", river.NamedArgs{"ep": endpointID, "msg": messageID})
	}
	return p.Where("args ->> 'endpoint_id' = @ep", river.NamedArgs{"ep": endpointID})
}

// PurgeMessages deletes the messages published before before, with their
// attempt log, and returns how many messages it deleted. Deliveries still
// queued for them are cancelled when their turn comes. Nothing is purged
// implicitly: call it periodically, for example with
// time.Now().Add(-Retention), to bound the database.
func (e *Endpoints[TTx]) PurgeMessages(ctx context.Context, before time.Time) (int64, error) {
	n, err := e.db.exec(ctx, `DELETE FROM webhook_message WHERE created_us < ?`, before.UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("durable: purge messages: %w", err)
	}
	if _, err := e.db.exec(ctx, `DELETE FROM webhook_endpoint_attempt WHERE attempted_at_us < ?`, before.UnixMicro()); err != nil {
		return n, fmt.Errorf("durable: purge attempts: %w", err)
	}
	return n, nil
}
