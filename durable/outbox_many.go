package durable

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Envelope is one message for one target, for [Outbox.EnqueueMany].
type Envelope struct {
	// URL is where the message goes.
	URL string
	// Message is the webhook; as for [Outbox.Enqueue], an empty ID is
	// generated.
	Message Message
}

// EnqueueMany stores every envelope in one round trip, for fan-out (one
// event to many endpoints) and bulk sends: much faster than as many
// Enqueue calls. The deliveries come back in the envelopes' order. It
// stores nothing when any envelope is invalid (errors as for
// [Outbox.Enqueue]).
func (o *Outbox[TTx]) EnqueueMany(ctx context.Context, envs []Envelope) ([]Delivery, error) {
	params, ids, err := o.manyParams(envs)
	if err != nil {
		return nil, err
	}
	c, err := o.rt.river()
	if err != nil {
		return nil, err
	}
	res, err := c.InsertMany(ctx, params)
	return deliveries(ids, res, err)
}

// EnqueueManyTx is [Outbox.EnqueueMany] inside tx: the messages exist if
// and only if tx commits.
func (o *Outbox[TTx]) EnqueueManyTx(ctx context.Context, tx TTx, envs []Envelope) ([]Delivery, error) {
	params, ids, err := o.manyParams(envs)
	if err != nil {
		return nil, err
	}
	c, err := o.rt.river()
	if err != nil {
		return nil, err
	}
	res, err := c.InsertManyTx(ctx, tx, params)
	return deliveries(ids, res, err)
}

func (o *Outbox[TTx]) manyParams(envs []Envelope) ([]river.InsertManyParams, []string, error) {
	params := make([]river.InsertManyParams, len(envs))
	ids := make([]string, len(envs))
	for i, e := range envs {
		args, err := o.args(e.URL, e.Message)
		if err != nil {
			return nil, nil, fmt.Errorf("envelope %d: %w", i, err)
		}
		params[i] = river.InsertManyParams{Args: args, InsertOpts: o.insertOpts()}
		ids[i] = args.ID
	}
	return params, ids, nil
}

func deliveries(ids []string, res []*rivertype.JobInsertResult, err error) ([]Delivery, error) {
	if err != nil {
		return nil, fmt.Errorf("durable: enqueue: %w", err)
	}
	out := make([]Delivery, len(res))
	for i, r := range res {
		out[i] = Delivery{MessageID: ids[i], JobID: r.Job.ID, Duplicate: r.UniqueSkippedAsDuplicate}
	}
	return out, nil
}
