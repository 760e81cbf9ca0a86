package relay

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
)

// EventRecord is one routed event: where it came from, which routes it
// took and how each destination's delivery stands.
type EventRecord struct {
	// ID is the relay's event id, "source:provider id".
	ID string `json:"id"`
	// Source and Type are the event's source and type ("untyped" when the
	// provider gave none).
	Source string `json:"source"`
	Type   string `json:"type"`
	// RoutedAt is when the routes were evaluated.
	RoutedAt time.Time `json:"routed_at"`
	// Routes are the indexes, in the configuration, of the routes taken.
	Routes []int `json:"routes"`
	// Deliveries are one per destination, in the configuration's order.
	Deliveries []DeliveryRecord `json:"deliveries"`
}

// DeliveryRecord is an event's delivery to one destination.
type DeliveryRecord struct {
	Destination string `json:"destination"`
	// State is durable's: pending, running, retrying, done, cancelled or
	// dead; "unknown" while not yet queued or once past its retention.
	State durable.State `json:"state"`
	// Attempts are the newest attempts, newest first (at most 20), filled
	// by [Relay.Event] only.
	Attempts []endpoints.Attempt `json:"attempts,omitempty"`
}

// EventPage is a page of events, newest first; pass Next to get the
// following page ("" on the last).
type EventPage struct {
	Items []EventRecord `json:"items"`
	Next  string        `json:"next,omitempty"`
}

// maxPage bounds a page of events.
const maxPage = 100

// Events returns a page of routed events, newest first, with each
// delivery's state, after cursor ("" for the first page). limit <= 0
// means 50; it is capped at 100.
func (r *Relay) Events(ctx context.Context, cursor string, limit int) (EventPage, error) {
	before := int64(math.MaxInt64)
	if cursor != "" {
		n, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil || n <= 0 {
			return EventPage{}, fmt.Errorf("%w: malformed cursor", ErrInvalidValue)
		}
		before = n
	}
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, maxPage)
	rows, err := r.events.list(ctx, before, limit+1, "")
	if err != nil {
		return EventPage{}, err
	}
	page := EventPage{Items: []EventRecord{}}
	for i, row := range rows {
		if i == limit {
			page.Next = strconv.FormatInt(rows[limit-1].seq, 10)
			break
		}
		rec, err := r.record(ctx, row, false)
		if err != nil {
			return EventPage{}, err
		}
		page.Items = append(page.Items, rec)
	}
	return page, nil
}

// Event returns one routed event with its deliveries' attempts, or
// [ErrUnknownEvent].
func (r *Relay) Event(ctx context.Context, id string) (EventRecord, error) {
	rows, err := r.events.list(ctx, 0, 1, id)
	if err != nil {
		return EventRecord{}, err
	}
	if len(rows) == 0 {
		return EventRecord{}, ErrUnknownEvent
	}
	return r.record(ctx, rows[0], true)
}

func (r *Relay) record(ctx context.Context, row eventRow, attempts bool) (EventRecord, error) {
	rec := EventRecord{ID: row.id, Source: row.source, Type: row.typ, RoutedAt: row.routed, Routes: row.routeIdx,
		Deliveries: []DeliveryRecord{}}
	if rec.Routes == nil {
		rec.Routes = []int{}
	}
	for _, d := range row.destinations {
		dr := DeliveryRecord{Destination: d, State: "unknown"}
		ep, ok := r.endpoints[d]
		if !ok { // removed from the configuration since
			rec.Deliveries = append(rec.Deliveries, dr)
			continue
		}
		it, err := r.ep.Delivery(ctx, appID(d), ep, row.id)
		switch {
		case err == nil:
			dr.State = it.State
		case !errors.Is(err, durable.ErrNotFound):
			return EventRecord{}, err
		}
		if attempts {
			p, err := r.ep.ListAttempts(ctx, appID(d), endpoints.AttemptFilter{EndpointID: ep, MessageID: row.id}, "", 20)
			if err != nil {
				return EventRecord{}, err
			}
			dr.Attempts = p.Items
		}
		rec.Deliveries = append(rec.Deliveries, dr)
	}
	return rec, nil
}

// deadScan is how many recent events [Relay.DeadLetters] looks through.
const deadScan = 500

// DeadLetters returns, newest first, the events among the latest 500
// whose delivery to some destination failed for good (dead after its
// last attempt, or cancelled). Each such event lists all its deliveries.
func (r *Relay) DeadLetters(ctx context.Context) ([]EventRecord, error) {
	out := []EventRecord{}
	cursor := ""
	for seen := 0; seen < deadScan; {
		page, err := r.Events(ctx, cursor, maxPage)
		if err != nil {
			return nil, err
		}
		out = append(out, deadAmong(page.Items)...)
		seen += len(page.Items)
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	return out, nil
}

// deadAmong returns the events with a delivery that failed for good.
func deadAmong(events []EventRecord) []EventRecord {
	out := []EventRecord{}
	for _, ev := range events {
		for _, d := range ev.Deliveries {
			if d.State == durable.StateDead || d.State == durable.StateCancelled {
				out = append(out, ev)
				break
			}
		}
	}
	return out
}

// Replay delivers a routed event again, now, to destination, or to every
// destination it was routed to when destination is "". It returns how many
// deliveries it queued. Errors: [ErrUnknownEvent],
// [ErrUnknownDestination] (not configured, or not one of the event's).
func (r *Relay) Replay(ctx context.Context, eventID, destination string) (int, error) {
	rows, err := r.events.list(ctx, 0, 1, eventID)
	if err != nil {
		return 0, err
	}
	if len(rows) == 0 {
		return 0, ErrUnknownEvent
	}
	n := 0
	for _, d := range rows[0].destinations {
		if destination != "" && d != destination {
			continue
		}
		ep, ok := r.endpoints[d]
		if !ok {
			continue
		}
		if err := r.ep.Resend(ctx, appID(d), ep, eventID); err != nil {
			return n, fmt.Errorf("relay: replay to %s: %w", d, err)
		}
		n++
	}
	if n == 0 && destination != "" {
		return 0, ErrUnknownDestination
	}
	return n, nil
}

// Recover re-queues every failed delivery (dead or cancelled) to
// destination of an event published at or after since, and returns how
// many. It returns [ErrUnknownDestination].
func (r *Relay) Recover(ctx context.Context, destination string, since time.Time) (int, error) {
	ep, ok := r.endpoints[destination]
	if !ok {
		return 0, ErrUnknownDestination
	}
	return r.ep.Recover(ctx, appID(destination), ep, since)
}
