package durable_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/durable"
)

func TestNewEventCatalogChecksTypes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		types []durable.EventType
	}{
		{"bad name", []durable.EventType{{Name: "invoice paid"}}},
		{"empty name", []durable.EventType{{Name: ""}}},
		{"duplicate", []durable.EventType{{Name: "a.b"}, {Name: "a.b"}}},
		{"long description", []durable.EventType{{Name: "a", Description: strings.Repeat("x", 1025)}}},
		{"schema not JSON", []durable.EventType{{Name: "a", Schema: "{"}}},
		{"example not JSON", []durable.EventType{{Name: "a", Example: json.RawMessage("nope")}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := durable.NewEventCatalog(tc.types)
			require.ErrorIs(t, err, durable.ErrInvalidField)
		})
	}
}

func TestEventCatalogFilters(t *testing.T) {
	t.Parallel()
	example := json.RawMessage(`{"amount":4200}`)
	c, err := durable.NewEventCatalog([]durable.EventType{
		{Name: "invoice.paid", Description: "An invoice was paid.", Example: example},
		{Name: "customer.created"},
	})
	require.NoError(t, err)
	example[2] = 'X' // the catalogue kept its own copy
	got, ok := c.Lookup("invoice.paid")
	require.True(t, ok)
	assert.JSONEq(t, `{"amount":4200}`, string(got.Example))
	assert.Len(t, c.Types(), 2)

	tests := []struct {
		filter  []string
		wantErr error
	}{
		{nil, nil},
		{[]string{"invoice.paid"}, nil},
		{[]string{"invoice.*", "customer.created"}, nil},
		{[]string{"invoice.refunded"}, durable.ErrInvalidFilter},
		{[]string{"order.*"}, durable.ErrInvalidFilter},
		{[]string{"invoice.paid.*"}, durable.ErrInvalidFilter},
		{[]string{"in valid"}, durable.ErrInvalidFilter},
	}
	for _, tc := range tests {
		assert.ErrorIs(t, c.CheckFilter(tc.filter), tc.wantErr, "%v", tc.filter)
	}
	var none *durable.EventCatalog
	require.NoError(t, none.CheckFilter([]string{"anything.*"}))
	require.ErrorIs(t, none.CheckFilter([]string{"not valid"}), durable.ErrInvalidFilter)
	_, ok = none.Lookup("invoice.paid")
	assert.False(t, ok)
}
