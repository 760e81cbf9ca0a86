package endpoints

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
	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/internal/core"
)

// MaxPageSize is the largest page the listings return.
const MaxPageSize = 200

// ListMessages returns a page of application appID's messages, newest
// first, starting after cursor ("" for the first page). limit <= 0 means
// 50, and it is capped at [MaxPageSize]. Messages published meanwhile
// never shift the following pages: the cursor is a position in a
// monotonic sequence. Errors: [ErrUnknownApplication], [ErrInvalidField]
// for a malformed cursor.
func (e *Service[TTx]) ListMessages(ctx context.Context, appID, cursor string, limit int) (Page[MessageRecord], error) {
	before, limit, err := pageArgs(cursor, limit)
	if err != nil {
		return Page[MessageRecord]{}, err
	}
	if _, err := e.GetApplication(ctx, appID); err != nil {
		return Page[MessageRecord]{}, err
	}
	items := []MessageRecord{}
	err = core.QueryEach(ctx, e.db, `SELECT id, message_id, event_type, payload, created_us FROM webhook_message
	WHERE app_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, []any{appID, before, limit + 1}, func(r core.Rows) error {
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

// GetMessage returns message messageID of application appID, payload
// included, or [ErrUnknownMessage] (also for an unknown application).
func (e *Service[TTx]) GetMessage(ctx context.Context, appID, messageID string) (MessageRecord, error) {
	if !validText(appID) || !validText(messageID) { // no such id can be stored
		return MessageRecord{}, ErrUnknownMessage
	}
	m, err := loadMessage(ctx, e.db, appID, messageID)
	return m, wrapStore("get message", err)
}

// DeadLetter is a delivery that will not be attempted again unless it is
// resent or recovered: every attempt failed ("dead"), or it failed
// permanently or was cancelled ("cancelled": a 4xx answer, a disabled or
// deleted endpoint).
type DeadLetter struct {
	EndpointID string `json:"endpoint_id"`
	MessageID  string `json:"message_id"`
	// State is "dead" or "cancelled".
	State durable.State `json:"state"`
	// Attempts counts the attempts made.
	Attempts int `json:"attempts"`
	// Error is the last attempt's error, or why it was cancelled.
	Error      string    `json:"error,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	FinishedAt time.Time `json:"finished_at"`
}

// ListDeadLetters returns a page of application appID's dead letters,
// newest first, to every endpoint or, with endpointID set, to one; cursor
// and limit work as in [Service.ListMessages]. A dead letter is listed
// until its job passes the runtime's retention; [Service.Resend] and
// [Service.Recover] deliver it again. Errors: [ErrUnknownApplication],
// [ErrUnknownEndpoint], [ErrInvalidField] for a malformed cursor.
func (e *Service[TTx]) ListDeadLetters(ctx context.Context, appID, endpointID, cursor string, limit int) (Page[DeadLetter], error) {
	before, limit, err := pageArgs(cursor, limit)
	if err != nil {
		return Page[DeadLetter]{}, err
	}
	if endpointID != "" {
		if _, err := e.GetEndpoint(ctx, appID, endpointID); err != nil {
			return Page[DeadLetter]{}, err
		}
	} else if _, err := e.GetApplication(ctx, appID); err != nil {
		return Page[DeadLetter]{}, err
	}
	c, err := e.rt.River()
	if err != nil {
		return Page[DeadLetter]{}, err
	}
	p := e.deliveriesOf(appID, endpointID).States(rivertype.JobStateDiscarded, rivertype.JobStateCancelled).
		Where("id < @before", river.NamedArgs{"before": before}).
		OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(limit + 1)
	res, err := c.JobList(ctx, p)
	if err != nil {
		return Page[DeadLetter]{}, fmt.Errorf("durable: list dead letters: %w", err)
	}
	out := Page[DeadLetter]{Items: []DeadLetter{}}
	for i, j := range res.Jobs {
		if i == limit {
			out.Next = strconv.FormatInt(res.Jobs[limit-1].ID, 10)
			break
		}
		var args core.EndpointArgs
		_ = json.Unmarshal(j.EncodedArgs, &args)
		it := e.rt.Item(args.MessageID, j)
		d := DeadLetter{EndpointID: args.EndpointID, MessageID: args.MessageID, State: it.State, Attempts: it.Attempts,
			CreatedAt: it.CreatedAt, FinishedAt: it.FinishedAt}
		if n := len(it.Errors); n > 0 {
			d.Error = it.Errors[n-1]
		}
		out.Items = append(out.Items, d)
	}
	return out, nil
}

// deliveriesOf lists the delivery jobs of an application, or of one of
// its endpoints when endpointID is set.
func (e *Service[TTx]) deliveriesOf(appID, endpointID string) *river.JobListParams {
	if endpointID != "" {
		return e.jobsOf(endpointID, "")
	}
	p := river.NewJobListParams().Kinds(core.EndpointKind)
	if e.rt.Backend().Dialect() == core.DialectPostgres {
		filter, _ := json.Marshal(map[string]string{"app_id": appID})
		return p.Where("args @> @filter::jsonb", river.NamedArgs{"filter": string(filter)})
	}
	return p.Where("args ->> 'app_id' = @app", river.NamedArgs{"app": appID})
}

// AttemptFilter selects attempts: those of one endpoint, of one message, or
// of one message to one endpoint. At least one field must be set.
type AttemptFilter struct {
	EndpointID string
	MessageID  string
}

// ListAttempts returns a page of application appID's delivery attempts
// selected by f, newest first; cursor and limit work as in
// [Service.ListMessages]. Errors: [ErrUnknownEndpoint] (when
// f.EndpointID is not the application's), [ErrInvalidField], [ErrInvalidText].
func (e *Service[TTx]) ListAttempts(ctx context.Context, appID string, f AttemptFilter, cursor string, limit int) (Page[Attempt], error) {
	before, limit, err := pageArgs(cursor, limit)
	if err != nil {
		return Page[Attempt]{}, err
	}
	if err := checkText("the message id", f.MessageID); err != nil {
		return Page[Attempt]{}, err
	}
	q := `SELECT id, endpoint_id, message_id, attempt, attempted_at_us, latency_us, status_code, outcome, error, response
	FROM webhook_endpoint_attempt WHERE app_id = ? AND id < ?`
	args := []any{appID, before}
	switch {
	case f.EndpointID != "":
		if _, err := e.GetEndpoint(ctx, appID, f.EndpointID); err != nil {
			return Page[Attempt]{}, err
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
		return Page[Attempt]{}, fmt.Errorf("%w: select attempts by endpoint or message", ErrInvalidField)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit+1)
	items := []Attempt{}
	err = core.QueryEach(ctx, e.db, q, args, func(r core.Rows) error {
		var a Attempt
		var at, lat int64
		err := r.Scan(&a.ID, &a.EndpointID, &a.MessageID, &a.Number, &at, &lat, &a.StatusCode, &a.Outcome, &a.Error, &a.Response)
		a.At, a.Latency = time.UnixMicro(at), time.Duration(lat)*time.Microsecond
		items = append(items, a)
		return err
	})
	if err != nil {
		return Page[Attempt]{}, fmt.Errorf("durable: list attempts: %w", err)
	}
	p := Page[Attempt]{Items: items}
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
// became of its earlier delivery. A delivery still waiting is left alone
// (it runs when due); one whose attempt is running refuses the resend with
// [ErrDeliveryRunning], since that attempt may end the delivery: resend
// once it has ended. A disabled endpoint refuses it with [ErrDisabled]:
// enable the endpoint first. Errors: [ErrUnknownEndpoint],
// [ErrUnknownMessage], [ErrDisabled], [ErrDeliveryRunning].
func (e *Service[TTx]) Resend(ctx context.Context, appID, endpointID, messageID string) error {
	ep, err := e.GetEndpoint(ctx, appID, endpointID)
	if err != nil {
		return err
	}
	if !ep.Enabled {
		return ErrDisabled
	}
	if !validText(messageID) { // no such id can be stored
		return ErrUnknownMessage
	}
	if _, err := loadMessage(ctx, e.db, appID, messageID); err != nil {
		return wrapStore("resend", err)
	}
	c, err := e.rt.River()
	if err != nil {
		return err
	}
	p := e.jobsOf(endpointID, messageID).First(1)
	res, err := c.JobList(ctx, p)
	if err != nil {
		return fmt.Errorf("durable: resend: %w", err)
	}
	if len(res.Jobs) == 0 { // past its retention: queue it anew
		_, err = c.Insert(ctx, core.EndpointArgs{EndpointID: endpointID, MessageID: messageID, AppID: appID}, e.insertOpts())
	} else {
		// River leaves a running job as it is, and says so by its state.
		var row *rivertype.JobRow
		if row, err = c.JobRetry(ctx, res.Jobs[0].ID); err == nil && row.State == rivertype.JobStateRunning {
			return ErrDeliveryRunning
		}
	}
	if err != nil {
		return fmt.Errorf("durable: resend: %w", err)
	}
	return nil
}

// Delivery returns the state of message messageID's delivery to one
// endpoint. Errors: [ErrUnknownEndpoint], and [durable.ErrNotFound] when the
// message was never queued for it (or is past its retention).
func (e *Service[TTx]) Delivery(ctx context.Context, appID, endpointID, messageID string) (durable.Item, error) {
	if _, err := e.GetEndpoint(ctx, appID, endpointID); err != nil {
		return durable.Item{}, err
	}
	c, err := e.rt.River()
	if err != nil {
		return durable.Item{}, err
	}
	res, err := c.JobList(ctx, e.jobsOf(endpointID, messageID).First(1))
	if err != nil {
		return durable.Item{}, fmt.Errorf("durable: delivery: %w", err)
	}
	if len(res.Jobs) == 0 {
		return durable.Item{}, durable.ErrNotFound
	}
	return e.rt.Item(messageID, res.Jobs[0]), nil
}

// Recover re-enqueues every failed delivery (cancelled, or dead after its
// last attempt) to one endpoint that was published at or after since, and
// returns how many. Deliveries past their retention are not recovered.
// It returns [ErrUnknownEndpoint].
func (e *Service[TTx]) Recover(ctx context.Context, appID, endpointID string, since time.Time) (int, error) {
	if _, err := e.GetEndpoint(ctx, appID, endpointID); err != nil {
		return 0, err
	}
	c, err := e.rt.River()
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
func (e *Service[TTx]) jobsOf(endpointID, messageID string) *river.JobListParams {
	p := river.NewJobListParams().Kinds(core.EndpointKind)
	if e.rt.Backend().Dialect() == core.DialectPostgres {
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
func (e *Service[TTx]) PurgeMessages(ctx context.Context, before time.Time) (int64, error) {
	n, err := e.db.Exec(ctx, `DELETE FROM webhook_message WHERE created_us < ?`, before.UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("durable: purge messages: %w", err)
	}
	if _, err := e.db.Exec(ctx, `DELETE FROM webhook_endpoint_attempt WHERE attempted_at_us < ?`, before.UnixMicro()); err != nil {
		return n, fmt.Errorf("durable: purge attempts: %w", err)
	}
	return n, nil
}
