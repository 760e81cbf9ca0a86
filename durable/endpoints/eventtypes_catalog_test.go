package endpoints_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/signedhooks/webhook/durable/endpoints"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewEventCatalogChecksTypes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		types []endpoints.EventType
	}{
		{"bad name", []endpoints.EventType{{Name: "invoice paid"}}},
		{"empty name", []endpoints.EventType{{Name: ""}}},
		{"duplicate", []endpoints.EventType{{Name: "a.b"}, {Name: "a.b"}}},
		{"long description", []endpoints.EventType{{Name: "a", Description: strings.Repeat("x", 1025)}}},
		{"schema not JSON", []endpoints.EventType{{Name: "a", Schema: "{"}}},
		{"example not JSON", []endpoints.EventType{{Name: "a", Example: json.RawMessage("nope")}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := endpoints.NewEventCatalog(tc.types)
			require.ErrorIs(t, err, endpoints.ErrInvalidField)
		})
	}
}

func TestEventCatalogFilters(t *testing.T) {
	t.Parallel()
	example := json.RawMessage(`{"amount":4200}`)
	c, err := endpoints.NewEventCatalog([]endpoints.EventType{
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
		{[]string{"invoice.refunded"}, endpoints.ErrInvalidFilter},
		{[]string{"order.*"}, endpoints.ErrInvalidFilter},
		{[]string{"invoice.paid.*"}, endpoints.ErrInvalidFilter},
		{[]string{"in valid"}, endpoints.ErrInvalidFilter},
	}
	for _, tc := range tests {
		assert.ErrorIs(t, c.CheckFilter(tc.filter), tc.wantErr, "%v", tc.filter)
	}
	var none *endpoints.EventCatalog
	require.NoError(t, none.CheckFilter([]string{"anything.*"}))
	require.ErrorIs(t, none.CheckFilter([]string{"not valid"}), endpoints.ErrInvalidFilter)
	_, ok = none.Lookup("invoice.paid")
	assert.False(t, ok)
}
