package endpoints

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/riverqueue/river"
	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/internal/core"
)

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
// Deliveries are worked in a fair order between applications: an
// application that published many deliveries in the last seconds has its
// new ones queued behind those of the applications that published fewer
// (see the package documentation).
//
// Errors: [ErrUnknownApplication], [ErrInvalidField] (event type, or a
// payload that is not JSON), [durable.ErrInvalidID], [durable.ErrPayloadTooLarge].
func (e *Service[TTx]) Publish(ctx context.Context, appID, eventType string, payload []byte, id string) (PublishResult, error) {
	var res PublishResult
	err := e.rt.Backend().InTx(ctx, func(tx TTx, r core.Runner) error {
		var err error
		res, err = e.publish(ctx, tx, r, appID, eventType, payload, id)
		return err
	})
	return res, err
}

// PublishTx is [Service.Publish] inside the caller's transaction tx (a
// *sql.Tx from the same *sql.DB on SQLite, a pgx.Tx on PostgreSQL): the
// message and its deliveries exist if and only if tx commits.
func (e *Service[TTx]) PublishTx(ctx context.Context, tx TTx, appID, eventType string, payload []byte, id string) (PublishResult, error) {
	r, err := core.TxRunner(tx)
	if err != nil {
		return PublishResult{}, err
	}
	return e.publish(ctx, tx, r, appID, eventType, payload, id)
}

func (e *Service[TTx]) publish(ctx context.Context, tx TTx, r core.Runner, appID, eventType string, payload []byte, id string) (PublishResult, error) {
	if err := checkEventType(eventType); err != nil {
		return PublishResult{}, err
	}
	if len(id) > 255 {
		return PublishResult{}, durable.ErrInvalidID
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
	if core.EnvelopeSize(id, eventType, len(payload)) > e.opts.MaxPayloadBytes {
		return PublishResult{}, durable.ErrPayloadTooLarge
	}
	if !json.Valid(payload) {
		return PublishResult{}, fmt.Errorf("%w: payload must be JSON", ErrInvalidField)
	}
	res := PublishResult{MessageID: id}
	ok, err := exists(ctx, r, `SELECT 1 FROM webhook_application WHERE app_id = ?`, appID)
	if err != nil || !ok {
		return PublishResult{}, wrapStore("publish", orErr(err, ErrUnknownApplication))
	}
	n, err := r.Exec(ctx, `INSERT INTO webhook_message (app_id, message_id, event_type, payload, created_us)
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
	// The application's recent volume sets the deliveries' priority (see
	// appVolume). River only reads the options, so they are shared.
	opts := e.insertOpts()
	opts.Priority = e.volume.add(e.opts.Now(), appID, len(targets))
	params := make([]river.InsertManyParams, len(targets))
	for i, ep := range targets {
		params[i] = river.InsertManyParams{Args: core.EndpointArgs{EndpointID: ep, MessageID: id, AppID: appID}, InsertOpts: opts}
	}
	c, err := e.rt.River()
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
func matchingEndpoints(ctx context.Context, r core.Runner, appID, eventType string) ([]string, error) {
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
	err := core.QueryEach(ctx, r, q, args, func(r core.Rows) error {
		var id string
		err := r.Scan(&id)
		out = append(out, id)
		return err
	})
	return out, err
}
