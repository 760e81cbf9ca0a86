package endpoints

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/internal/core"
)

// RevealSecret returns the newest signing secret of an endpoint in
// "whsec_" form, for showing to the application that owns it (the
// customer portal reveals it on request). Never log it. It returns
// [ErrUnknownEndpoint] when appID has no such endpoint.
func (e *Service[TTx]) RevealSecret(ctx context.Context, appID, endpointID string) (string, error) {
	if _, err := e.GetEndpoint(ctx, appID, endpointID); err != nil {
		return "", err
	}
	secrets, err := e.liveSecrets(ctx, e.db, endpointID, e.opts.Now())
	if err != nil {
		return "", err
	}
	if len(secrets) == 0 {
		return "", ErrUnknownEndpoint // deleted meanwhile
	}
	return webhook.FormatSecret(secrets[0].key), nil
}

// SendTest publishes a message of eventType with payload as data, like
// [Service.Publish], but queues its delivery to the one endpoint
// endpointID only, whatever its filter: a customer's "send a test event".
// The message is in the application's log like any other. To a disabled
// endpoint the delivery is cancelled when its turn comes, as with
// [Service.Resend]. Errors: [ErrUnknownEndpoint], [ErrInvalidField]
// (event type, or a payload that is not JSON), [durable.ErrPayloadTooLarge].
func (e *Service[TTx]) SendTest(ctx context.Context, appID, endpointID, eventType string, payload []byte) (PublishResult, error) {
	if err := checkEventType(eventType); err != nil {
		return PublishResult{}, err
	}
	id := webhook.NewMessageID()
	if core.EnvelopeSize(id, eventType, len(payload)) > e.opts.MaxPayloadBytes {
		return PublishResult{}, durable.ErrPayloadTooLarge
	}
	if !json.Valid(payload) {
		return PublishResult{}, fmt.Errorf("%w: payload must be JSON", ErrInvalidField)
	}
	c, err := e.rt.River()
	if err != nil {
		return PublishResult{}, err
	}
	err = e.rt.Backend().InTx(ctx, func(tx TTx, r core.Runner) error {
		ok, err := exists(ctx, r, `SELECT 1 FROM webhook_endpoint WHERE endpoint_id = ? AND app_id = ?`, endpointID, appID)
		if err != nil || !ok {
			return orErr(err, ErrUnknownEndpoint)
		}
		if _, err := r.Exec(ctx, `INSERT INTO webhook_message (app_id, message_id, event_type, payload, created_us)
	VALUES (?, ?, ?, ?, ?)`, appID, id, eventType, payload, e.opts.Now().UnixMicro()); err != nil {
			return err
		}
		_, err = c.InsertTx(ctx, tx, core.EndpointArgs{EndpointID: endpointID, MessageID: id, AppID: appID}, e.insertOpts())
		return err
	})
	if err != nil {
		return PublishResult{}, wrapStore("send test", err)
	}
	return PublishResult{MessageID: id, Deliveries: 1}, nil
}

// The statuses of a [LoggedMessage].
const (
	// MessagePending: no delivery attempt is recorded yet.
	MessagePending = "pending"
	// MessageDelivered: every endpoint that was attempted took it.
	MessageDelivered = "delivered"
	// MessageFailing: the attempts to at least one endpoint all failed so
	// far (it may still be retried, or be a dead letter to resend).
	MessageFailing = "failing"
)

// MessageQuery selects messages of the log in [Service.FindMessages].
// Its zero value selects every message.
type MessageQuery struct {
	// EventType is an event type ("invoice.paid") or a prefix
	// ("invoice.*"); empty: any type.
	EventType string
	// Status is [MessagePending], [MessageDelivered] or [MessageFailing];
	// empty: any status.
	Status string
	// Since and Until bound the publication time: Since <= created <
	// Until. A zero time leaves that side open.
	Since, Until time.Time
}

// LoggedMessage is a message of the log with the status of its
// deliveries, as found by [Service.FindMessages].
type LoggedMessage struct {
	MessageRecord
	// Status is [MessagePending], [MessageDelivered] or [MessageFailing].
	Status string `json:"status"`
}

// statusSQL is the status of the message m, from the attempt log.
const statusSQL = `CASE WHEN EXISTS (SELECT 1 FROM webhook_endpoint_attempt a
	WHERE a.app_id = m.app_id AND a.message_id = m.message_id AND a.outcome NOT IN ('delivered', 'aborted')
	AND NOT EXISTS (SELECT 1 FROM webhook_endpoint_attempt b WHERE b.app_id = a.app_id AND b.message_id = a.message_id
		AND b.endpoint_id = a.endpoint_id AND b.outcome = 'delivered')) THEN 'failing'
	WHEN EXISTS (SELECT 1 FROM webhook_endpoint_attempt a WHERE a.app_id = m.app_id AND a.message_id = m.message_id
		AND a.outcome = 'delivered') THEN 'delivered'
	ELSE 'pending' END`

// FindMessages returns a page of application appID's messages selected by
// q, newest first, each with its status; cursor and limit work as in
// [Service.ListMessages]. Errors: [ErrUnknownApplication],
// [ErrInvalidField] for a malformed cursor, type or status.
func (e *Service[TTx]) FindMessages(ctx context.Context, appID string, q MessageQuery, cursor string, limit int) (Page[LoggedMessage], error) {
	before, limit, err := pageArgs(cursor, limit)
	if err != nil {
		return Page[LoggedMessage]{}, err
	}
	where := `m.app_id = ? AND m.id < ?`
	args := []any{appID, before}
	if q.EventType != "" {
		base, prefix := strings.CutSuffix(q.EventType, ".*")
		if err := checkEventType(base); err != nil {
			return Page[LoggedMessage]{}, err
		}
		if prefix {
			// substr, not LIKE: '_' is a LIKE wildcard and valid in types.
			where += ` AND substr(m.event_type, 1, ?) = ?`
			args = append(args, len(base)+1, base+".")
		} else {
			where += ` AND m.event_type = ?`
			args = append(args, base)
		}
	}
	if !q.Since.IsZero() {
		where += ` AND m.created_us >= ?`
		args = append(args, q.Since.UnixMicro())
	}
	if !q.Until.IsZero() {
		where += ` AND m.created_us < ?`
		args = append(args, q.Until.UnixMicro())
	}
	switch q.Status {
	case "":
	case MessagePending, MessageDelivered, MessageFailing:
		where += ` AND (` + statusSQL + `) = ?`
		args = append(args, q.Status)
	default:
		return Page[LoggedMessage]{}, fmt.Errorf("%w: status must be %s, %s or %s", ErrInvalidField, MessagePending, MessageDelivered, MessageFailing)
	}
	if _, err := e.GetApplication(ctx, appID); err != nil {
		return Page[LoggedMessage]{}, err
	}
	args = append(args, limit+1)
	items := []LoggedMessage{}
	err = core.QueryEach(ctx, e.db, `SELECT m.id, m.message_id, m.event_type, m.payload, m.created_us, `+statusSQL+`
	FROM webhook_message m WHERE `+where+` ORDER BY m.id DESC LIMIT ?`, args, func(r core.Rows) error {
		var m LoggedMessage
		var us int64
		err := r.Scan(&m.seq, &m.ID, &m.EventType, (*[]byte)(&m.Payload), &us, &m.Status)
		m.CreatedAt = time.UnixMicro(us)
		items = append(items, m)
		return err
	})
	if err != nil {
		return Page[LoggedMessage]{}, fmt.Errorf("durable: find messages: %w", err)
	}
	p := Page[LoggedMessage]{Items: items}
	if len(items) > limit {
		p.Items = items[:limit]
		p.Next = strconv.FormatInt(items[limit-1].seq, 10)
	}
	return p, nil
}

// FindMessage returns one message of application appID with its status,
// or [ErrUnknownMessage].
func (e *Service[TTx]) FindMessage(ctx context.Context, appID, messageID string) (LoggedMessage, error) {
	var m LoggedMessage
	found := false
	err := core.QueryEach(ctx, e.db, `SELECT m.id, m.message_id, m.event_type, m.payload, m.created_us, `+statusSQL+`
	FROM webhook_message m WHERE m.app_id = ? AND m.message_id = ?`, []any{appID, messageID}, func(r core.Rows) error {
		var us int64
		found = true
		err := r.Scan(&m.seq, &m.ID, &m.EventType, (*[]byte)(&m.Payload), &us, &m.Status)
		m.CreatedAt = time.UnixMicro(us)
		return err
	})
	if err != nil {
		return LoggedMessage{}, fmt.Errorf("durable: get message: %w", err)
	}
	if !found {
		return LoggedMessage{}, ErrUnknownMessage
	}
	return m, nil
}
