package endpoints

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Bounds on a declared catalogue, which the provider writes but whose
// parts are shown to every customer.
const (
	maxCatalogTypes      = 1000
	maxTypeDescription   = 1024
	maxTypeSchemaBytes   = 64 << 10
	maxTypeExampleBytes  = 64 << 10
	maxCatalogTotalBytes = 4 << 20
)

// EventType is an event type a provider declares, so that its customers
// can see what they may subscribe to and what a payload looks like.
type EventType struct {
	// Name is the type, with the rules of a published message's type:
	// dot-separated segments of letters, digits, '_' and '-', at most 128
	// bytes ("invoice.paid").
	Name string `json:"name"`
	// Description is free text of at most 1024 bytes.
	Description string `json:"description,omitempty"`
	// Schema is an optional JSON Schema of the payload, as JSON text of at
	// most 64 KiB. It is shown, not enforced.
	Schema string `json:"schema,omitempty"`
	// Example is an optional example payload (the event's data), JSON of
	// at most 64 KiB. The customer portal sends it as the test event.
	Example json.RawMessage `json:"example,omitempty"`
}

// EventCatalog is a checked, immutable list of declared event types. A
// nil *EventCatalog declares nothing: every well-formed type and filter
// is accepted. It is safe for concurrent use.
type EventCatalog struct {
	types  []EventType
	byName map[string]int
}

// NewEventCatalog checks types and returns them as a catalogue, in the
// given order. It returns [ErrInvalidField] for a malformed or duplicate
// name, a description, schema or example that is too long or not valid
// (UTF-8 text, JSON), or more than 1000 types.
func NewEventCatalog(types []EventType) (*EventCatalog, error) {
	if len(types) > maxCatalogTypes {
		return nil, fmt.Errorf("%w: at most %d event types", ErrInvalidField, maxCatalogTypes)
	}
	c := &EventCatalog{types: make([]EventType, len(types)), byName: make(map[string]int, len(types))}
	total := 0
	for i, t := range types {
		if err := checkEventType(t.Name); err != nil {
			return nil, err
		}
		if _, dup := c.byName[t.Name]; dup {
			return nil, fmt.Errorf("%w: event type %q declared twice", ErrInvalidField, t.Name)
		}
		if len(t.Description) > maxTypeDescription || !utf8.ValidString(t.Description) {
			return nil, fmt.Errorf("%w: description of %q must be UTF-8 of at most %d bytes", ErrInvalidField, t.Name, maxTypeDescription)
		}
		if len(t.Schema) > maxTypeSchemaBytes || (t.Schema != "" && !json.Valid([]byte(t.Schema))) {
			return nil, fmt.Errorf("%w: schema of %q must be JSON of at most %d bytes", ErrInvalidField, t.Name, maxTypeSchemaBytes)
		}
		if len(t.Example) > maxTypeExampleBytes || (len(t.Example) > 0 && !json.Valid(t.Example)) {
			return nil, fmt.Errorf("%w: example of %q must be JSON of at most %d bytes", ErrInvalidField, t.Name, maxTypeExampleBytes)
		}
		total += len(t.Name) + len(t.Description) + len(t.Schema) + len(t.Example)
		if total > maxCatalogTotalBytes {
			return nil, fmt.Errorf("%w: the catalogue is larger than %d bytes", ErrInvalidField, maxCatalogTotalBytes)
		}
		t.Example = slices.Clone(t.Example)
		c.types[i] = t
		c.byName[t.Name] = i
	}
	return c, nil
}

// Types returns a copy of the declared types, in the order given to
// [NewEventCatalog].
func (c *EventCatalog) Types() []EventType {
	if c == nil {
		return nil
	}
	out := slices.Clone(c.types)
	for i := range out {
		out[i].Example = slices.Clone(out[i].Example)
	}
	return out
}

// Lookup returns the declared type named name, and whether there is one.
func (c *EventCatalog) Lookup(name string) (EventType, bool) {
	if c == nil {
		return EventType{}, false
	}
	i, ok := c.byName[name]
	if !ok {
		return EventType{}, false
	}
	t := c.types[i]
	t.Example = slices.Clone(t.Example)
	return t, true
}

// CheckFilter checks an endpoint's event-type filter as
// [Service.CreateEndpoint] does and, when c declares types, that each
// entry names a declared type ("invoice.paid") or a prefix that matches
// at least one ("invoice.*"). It returns [ErrInvalidFilter].
func (c *EventCatalog) CheckFilter(filter []string) error {
	if _, err := normalizeFilter(filter); err != nil {
		return err
	}
	if c == nil || len(c.types) == 0 {
		return nil
	}
	for _, f := range filter {
		if !c.matchesAny(f) {
			return fmt.Errorf("%w: %q matches no declared event type", ErrInvalidFilter, f)
		}
	}
	return nil
}

func (c *EventCatalog) matchesAny(entry string) bool {
	base, prefix := strings.CutSuffix(entry, ".*")
	if !prefix {
		_, ok := c.byName[entry]
		return ok
	}
	for _, t := range c.types {
		if strings.HasPrefix(t.Name, base+".") {
			return true
		}
	}
	return false
}
