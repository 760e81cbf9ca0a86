package durable

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/riverqueue/river"
	webhook "github.com/signedhooks/webhook"
)

const (
	endpointQueue = "webhook_endpoints"
	endpointKind  = "webhook_endpoint_delivery"
)

// endpointArgs is one delivery of a published message to one endpoint. The
// payload stays in webhook_message, once, however many endpoints receive
// it. The pair (endpoint, message) is unique in every job state, so a
// message is never queued twice for one endpoint.
type endpointArgs struct {
	EndpointID string `json:"endpoint_id" river:"unique"`
	MessageID  string `json:"message_id" river:"unique"`
	AppID      string `json:"app_id"`
}

func (endpointArgs) Kind() string { return endpointKind }

func (endpointArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: endpointQueue, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: allStates}}
}

// Publish stores a message of eventType for application appID and queues
// one delivery to each enabled endpoint whose filter matches, in one
// transaction. id is the message id sent as X-Webhook-Id (empty: a new
// one); publishing an id the application already used stores and queues
// nothing and reports [PublishResult.Duplicate].
//
// payload is the event's data, JSON. Each endpoint receives it in the
// Sender's envelope, {"id": id, "event": eventType, "data": payload}
// ("type" in place of "event" with a Standard Webhooks signer), so the id
// and the type are signed with it; a consumer decodes the data with
// [webhook.DecodeData]. Messages published before this envelope existed
// are sent in it too; a payload that is itself an envelope is wrapped
// again, so publish the data only.
//
// Errors: [ErrUnknownApplication], [ErrInvalidField] (event type, or a
// payload that is not JSON), [ErrInvalidID], [ErrPayloadTooLarge].
func (e *Endpoints[TTx]) Publish(ctx context.Context, appID, eventType string, payload []byte, id string) (PublishResult, error) {
	var res PublishResult
	err := inTx(ctx, e.rt.backend, func(tx TTx, r runner) error {
		var err error
		res, err = e.publish(ctx, tx, r, appID, eventType, payload, id)
		return err
	})
	return res, err
}

// PublishTx is [Endpoints.Publish] inside the caller's transaction tx (a
// *sql.Tx from the same *sql.DB on SQLite, a pgx.Tx on PostgreSQL): the
// message and its deliveries exist if and only if tx commits.
func (e *Endpoints[TTx]) PublishTx(ctx context.Context, tx TTx, appID, eventType string, payload []byte, id string) (PublishResult, error) {
	r, err := txRunner(tx)
	if err != nil {
		return PublishResult{}, err
	}
	return e.publish(ctx, tx, r, appID, eventType, payload, id)
}

func (e *Endpoints[TTx]) publish(ctx context.Context, tx TTx, r runner, appID, eventType string, payload []byte, id string) (PublishResult, error) {
	if err := checkEventType(eventType); err != nil {
		return PublishResult{}, err
	}
	if len(id) > 255 {
		return PublishResult{}, ErrInvalidID
	}
	if err := checkText("the message id", id); err != nil {
		return PublishResult{}, err
	}
	if !validText(appID) { // no such id can be stored
		return PublishResult{}, ErrUnknownApplication
	}
	if id == "" {
		id = webhook.NewMessageID()
	}
	if envelopeSize(id, eventType, len(payload)) > e.opts.MaxPayloadBytes {
		return PublishResult{}, ErrPayloadTooLarge
	}
	if !json.Valid(payload) {
		return PublishResult{}, fmt.Errorf("%w: payload must be JSON", ErrInvalidField)
	}
	res := PublishResult{MessageID: id}
	ok, err := exists(ctx, r, `SELECT 1 FROM webhook_application WHERE app_id = ?`, appID)
	if err != nil || !ok {
		return PublishResult{}, wrapStore("publish", orErr(err, ErrUnknownApplication))
	}
	n, err := r.exec(ctx, `INSERT INTO webhook_message (app_id, message_id, event_type, payload, created_us)
	VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, appID, id, eventType, payload, e.opts.Now().UnixMicro())
	if err != nil {
		return PublishResult{}, fmt.Errorf("durable: publish: %w", err)
	}
	if n == 0 {
		res.Duplicate = true
		return res, nil
	}
	targets, err := matchingEndpoints(ctx, r, appID, eventType)
	if err != nil {
		return PublishResult{}, fmt.Errorf("durable: publish: %w", err)
	}
	if len(targets) == 0 {
		return res, nil
	}
	params := make([]river.InsertManyParams, len(targets))
	for i, ep := range targets {
		params[i] = river.InsertManyParams{Args: endpointArgs{EndpointID: ep, MessageID: id, AppID: appID}, InsertOpts: e.insertOpts()}
	}
	c, err := e.rt.river()
	if err != nil {
		return PublishResult{}, err
	}
	if _, err := c.InsertManyTx(ctx, tx, params); err != nil {
		return PublishResult{}, fmt.Errorf("durable: publish: %w", err)
	}
	res.Deliveries = len(targets)
	return res, nil
}

// matchingEndpoints returns the enabled endpoints of appID subscribed to
// eventType. It looks up only the patterns that can match (the type, "*"
// and its "prefix.*" forms) in the subscriptions' primary key, so its cost
// grows with the number of matches, not with the number of endpoints.
func matchingEndpoints(ctx context.Context, r runner, appID, eventType string) ([]string, error) {
	ps := patternsFor(eventType)
	args := make([]any, 0, 1+len(ps))
	args = append(args, appID)
	for _, p := range ps {
		args = append(args, p)
	}
	q := `SELECT DISTINCT s.endpoint_id FROM webhook_subscription s
	JOIN webhook_endpoint e ON e.endpoint_id = s.endpoint_id
	WHERE s.app_id = ? AND s.pattern IN (?` + strings.Repeat(", ?", len(ps)-1) + `) AND e.enabled = 1
	ORDER BY s.endpoint_id`
	var out []string
	err := queryEach(ctx, r, q, args, func(r rows) error {
		var id string
		err := r.Scan(&id)
		out = append(out, id)
		return err
	})
	return out, err
}
