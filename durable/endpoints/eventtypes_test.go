package endpoints_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
)

// The declared event types are listed by the API, and an endpoint's filter
// given at creation or update must name them or prefixes of them; an
// update that leaves the filter alone is not checked again.
func TestEndpointsEventTypes(t *testing.T) {
	t.Parallel()
	opts := guardedOptions()
	opts.EventTypes = []endpoints.EventType{
		{Name: "invoice.paid", Description: "An invoice was paid.", Example: json.RawMessage(`{"invoice":"in_1"}`)},
		{Name: "invoice.voided"},
		{Name: "customer.created"},
	}
	eachEndpointsDB(t, opts, func(t *testing.T, env *epEnv) {
		ctx := context.Background()
		h := specChecked(t, env.e.Handler(nil))
		assert.Equal(t, []string{"invoice.paid", "invoice.voided", "customer.created"}, names(env.e.EventTypes()))

		code, page, raw := call(t, h, "GET", "/event-types", "")
		require.Equal(t, http.StatusOK, code, raw)
		items, _ := page["items"].([]any)
		require.Len(t, items, 3, raw)
		first, _ := items[0].(map[string]any)
		assert.Equal(t, "invoice.paid", first["name"])
		assert.Equal(t, map[string]any{"invoice": "in_1"}, first["example"])

		_, err := env.e.CreateApplication(ctx, "acme", "Acme")
		require.NoError(t, err)
		url := `"http://127.0.0.1:9/hook"`
		for _, bad := range []string{`["invoice.refunded"]`, `["billing.*"]`, `["invoice.paid","customer.*","order.created"]`} {
			code, res, raw := call(t, h, "POST", "/applications/acme/endpoints", `{"url":`+url+`,"filter":`+bad+`}`)
			assert.Equal(t, http.StatusUnprocessableEntity, code, raw)
			assert.Equal(t, "invalid_filter", res["error"], raw)
		}
		code, res, raw := call(t, h, "POST", "/applications/acme/endpoints", `{"url":`+url+`,"filter":["invoice.*","customer.created"]}`)
		require.Equal(t, http.StatusCreated, code, raw)
		id, _ := res["id"].(string)

		_, err = env.e.UpdateEndpoint(ctx, "acme", id, endpoints.Update{Filter: &[]string{"order.*"}})
		assert.ErrorIs(t, err, endpoints.ErrInvalidFilter)
		ep, err := env.e.GetEndpoint(ctx, "acme", id)
		require.NoError(t, err)
		assert.Equal(t, []string{"customer.created", "invoice.*"}, ep.Filter, "a refused update changes nothing")
		desc := "billing"
		ep, err = env.e.UpdateEndpoint(ctx, "acme", id, endpoints.Update{Description: &desc})
		require.NoError(t, err)
		assert.Equal(t, "billing", ep.Description)
	})
}

// A catalogue that does not hold is refused when the service is built.
func TestEndpointsEventTypesRefused(t *testing.T) {
	t.Parallel()
	db, err := durable.OpenSQLite(filepath.Join(t.TempDir(), "endpoints.db"))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	b := durable.SQLite(db)
	require.NoError(t, endpoints.Migrate(context.Background(), b))
	rt := newRuntime(t, b, nil)
	_, err = endpoints.New(rt, &endpoints.Options{EventTypes: []endpoints.EventType{{Name: "a.b"}, {Name: "a.b"}}})
	assert.ErrorIs(t, err, endpoints.ErrInvalidField)
	assert.ErrorContains(t, err, "EventTypes")
}

func names(types []endpoints.EventType) []string {
	var out []string
	for _, t := range types {
		out = append(out, t.Name)
	}
	return out
}
