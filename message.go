package webhook

import (
	"encoding/json"
	"fmt"
)

// Message is one webhook to deliver.
type Message struct {
	// ID identifies the message; every attempt carries it in the id header,
	// so the receiver can process the message once however often it is
	// retried. [Sender.Send] generates one with [NewMessageID] when it is
	// empty; [Sender.Attempt] requires it.
	ID string

	// Type is the event type, for example "payment.succeeded". It is put in
	// the body when Data is used, and in the report either way.
	Type string

	// Payload is the body, sent as is (it should be JSON). Set Payload or
	// Data, not both.
	Payload []byte

	// Data, when Payload is nil, is marshalled once per Send into the
	// reference envelope {"event": Type, "data": Data}.
	Data any
}

// envelope is the reference body: {"event": "...", "data": {...}}.
type envelope struct {
	Event string `json:"event"`
	Data  any    `json:"data"`
}

// body returns the bytes to send for m.
func (m *Message) body() ([]byte, error) {
	if m.Payload != nil {
		if m.Data != nil {
			return nil, fmt.Errorf("%w: both Payload and Data are set", ErrInvalidMessage)
		}
		return m.Payload, nil
	}
	if m.Data == nil {
		return nil, fmt.Errorf("%w: neither Payload nor Data is set", ErrInvalidMessage)
	}
	b, err := json.Marshal(envelope{Event: m.Type, Data: m.Data})
	if err != nil {
		return nil, fmt.Errorf("%w: marshalling Data: %w", ErrInvalidMessage, err)
	}
	return b, nil
}
