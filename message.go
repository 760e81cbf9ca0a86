package webhook

import (
	"encoding/json"
	"fmt"
)

// Message is one webhook to deliver.
type Message struct {
	// ID identifies the message; every attempt carries it in the id header
	// (and, with Data, in the body), so the receiver can process the message
	// once however often it is retried. [Sender.Send] generates one with
	// [NewMessageID] when it is empty; [Sender.Attempt] requires it.
	ID string

	// Type is the event type, for example "payment.succeeded". It is put in
	// the body when Data is used, and in the report either way.
	Type string

	// Payload is the body, sent byte for byte (it should be JSON). Set
	// Payload or Data, not both. A raw payload carries whatever it carries:
	// put the event type and the message id in it yourself, or two messages
	// with equal payloads signed in the same second have equal signatures,
	// and a receiver's replay guard refuses the second until its retry.
	Payload []byte

	// Data, when Payload is nil, is marshalled with encoding/json (once per
	// Send) into the envelope
	//
	//	{"id": ID, "event": Type, "data": Data}
	//
	// which is the reference wire format's {"event", "data"} with the id
	// added, so that the signed bytes of every message are unique to it.
	// When the signer names another type field (see [TypeFielder]; Standard
	// Webhooks' signer says "type"), that name replaces "event". A
	// [json.RawMessage] is embedded as is, after a check that it is valid
	// JSON. Receivers decode Data with [DecodeData].
	Data any
}

// TypeFielder is implemented by a [HeaderSigner] whose scheme names the
// envelope's event-type field: [Message.Data] is sent with the type under
// TypeField() instead of "event". The Standard Webhooks signer returns
// "type".
type TypeFielder interface {
	TypeField() string
}

// defaultTypeField is the reference envelope's event-type field.
const defaultTypeField = "event"

// body returns the bytes to send for m, with typeField naming the
// envelope's event-type field.
func (m *Message) body(typeField string) ([]byte, error) {
	if m.Payload != nil {
		if m.Data != nil {
			return nil, fmt.Errorf("%w: both Payload and Data are set", ErrInvalidMessage)
		}
		return m.Payload, nil
	}
	if m.Data == nil {
		return nil, fmt.Errorf("%w: neither Payload nor Data is set", ErrInvalidMessage)
	}
	var data []byte
	if raw, ok := m.Data.(json.RawMessage); ok {
		if !json.Valid(raw) {
			return nil, fmt.Errorf("%w: Data is a json.RawMessage that is not valid JSON", ErrInvalidMessage)
		}
		data = raw
	} else {
		var err error
		if data, err = json.Marshal(m.Data); err != nil {
			return nil, fmt.Errorf("%w: marshalling Data: %w", ErrInvalidMessage, err)
		}
	}
	return appendEnvelope(make([]byte, 0, len(data)+len(m.ID)+len(m.Type)+len(typeField)+32), m.ID, typeField, m.Type, data), nil
}

// appendEnvelope appends {"id":id,"<typeField>":typ,"data":data} to dst.
// data must be valid JSON. Keys come in this order so that a reader that
// stops early finds the id and type first.
func appendEnvelope(dst []byte, id, typeField, typ string, data []byte) []byte {
	dst = append(dst, `{"id":`...)
	dst = appendJSONString(dst, id)
	dst = append(dst, ',')
	dst = appendJSONString(dst, typeField)
	dst = append(dst, ':')
	dst = appendJSONString(dst, typ)
	dst = append(dst, `,"data":`...)
	dst = append(dst, data...)
	return append(dst, '}')
}

// appendJSONString appends s as a JSON string. Plain ASCII is copied;
// anything else is escaped by encoding/json's rules (via strconv for the
// rare case), so the output is always valid JSON.
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x7f || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // a string always marshals
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
