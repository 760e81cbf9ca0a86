package endpoints_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
)

// TestAPIWrongMethodAnswersAllow: a 405 keeps the Allow header net/http
// computes, in the one JSON error shape.
func TestAPIWrongMethodAnswersAllow(t *testing.T) {
	t.Parallel()
	env := newSQLiteEndpoints(t, nil)
	rec := httptest.NewRecorder()
	env.e.Handler(nil).ServeHTTP(rec, httptest.NewRequest("DELETE", "/applications", nil))
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	allow := rec.Header().Get("Allow")
	assert.Contains(t, allow, "GET")
	assert.Contains(t, allow, "POST")
}

// TestAPIManagementRoutes walks the routes issue 19 added: applications
// listed and deleted, messages published and read, dead letters, endpoint
// statistics and a resend refused by a disabled endpoint.
func TestAPIManagementRoutes(t *testing.T) {
	t.Parallel()
	eachEndpointsDB(t, guardedOptions(), func(t *testing.T, env *epEnv) {
		ctx := context.Background()
		h := specChecked(t, env.e.Handler(nil))
		rc := newReceivers(t, env.clock)
		for _, id := range []string{"a2", "a1", "a3"} {
			code, _, raw := call(t, h, "POST", "/applications", `{"id":"`+id+`","name":"App `+id+`"}`)
			require.Equal(t, http.StatusCreated, code, raw)
		}
		code, page, raw := call(t, h, "GET", "/applications?limit=2", "")
		require.Equal(t, http.StatusOK, code, raw)
		assert.Equal(t, []string{"a1", "a2"}, itemIDs(page))
		require.Equal(t, "a2", page["next"])
		code, page, _ = call(t, h, "GET", "/applications?limit=2&cursor=a2", "")
		require.Equal(t, http.StatusOK, code)
		assert.Equal(t, []string{"a3"}, itemIDs(page))
		assert.Nil(t, page["next"], "the last page has no next")

		ok := addEndpoint(t, env, rc, "a1", "/ok", nil)
		bad := addEndpoint(t, env, rc, "a1", "/bad", nil)
		rc.setStatus("/bad", http.StatusBadRequest) // permanent: cancelled at once
		env.start(t)

		code, res, raw := call(t, h, "POST", "/applications/a1/messages", `{"event_type":"invoice.paid","payload":{"n":1},"id":"msg_1"}`)
		require.Equal(t, http.StatusAccepted, code, raw)
		assert.Equal(t, "msg_1", res["message_id"])
		assert.Equal(t, float64(2), res["deliveries"])
		code, res, _ = call(t, h, "POST", "/applications/a1/messages", `{"event_type":"invoice.paid","payload":{"n":1},"id":"msg_1"}`)
		require.Equal(t, http.StatusOK, code, "a known id is acknowledged, not queued again")
		assert.Equal(t, true, res["duplicate"])
		code, res, raw = call(t, h, "POST", "/applications/a1/messages", `{"event_type":"invoice.paid","payload":{"n":2}}`)
		require.Equal(t, http.StatusAccepted, code, raw)
		msg2 := res["message_id"].(string)
		assert.True(t, strings.HasPrefix(msg2, "msg_"), "a new id is made: %s", msg2)

		code, msg, raw := call(t, h, "GET", "/applications/a1/messages/msg_1", "")
		require.Equal(t, http.StatusOK, code, raw)
		assert.Equal(t, "invoice.paid", msg["event_type"])
		assert.Equal(t, map[string]any{"n": float64(1)}, msg["payload"])
		code, _, _ = call(t, h, "GET", "/applications/a2/messages/msg_1", "")
		assert.Equal(t, http.StatusNotFound, code, "another application's message")

		for _, m := range []string{"msg_1", msg2} {
			env.waitDelivery(t, "a1", ok.ID, m, durable.StateDone)
			env.waitDelivery(t, "a1", bad.ID, m, durable.StateCancelled)
		}
		code, dl, raw := call(t, h, "GET", "/applications/a1/dead-letters?limit=1", "")
		require.Equal(t, http.StatusOK, code, raw)
		items := dl["items"].([]any)
		require.Len(t, items, 1)
		first := items[0].(map[string]any)
		assert.Equal(t, bad.ID, first["endpoint_id"])
		assert.Equal(t, msg2, first["message_id"], "newest first")
		assert.Equal(t, "cancelled", first["state"])
		assert.Equal(t, float64(1), first["attempts"])
		assert.NotEmpty(t, first["error"])
		require.NotEmpty(t, dl["next"])
		code, dl, _ = call(t, h, "GET", "/applications/a1/dead-letters?limit=1&cursor="+dl["next"].(string), "")
		require.Equal(t, http.StatusOK, code)
		require.Len(t, dl["items"], 1)
		assert.Equal(t, "msg_1", dl["items"].([]any)[0].(map[string]any)["message_id"])
		assert.Nil(t, dl["next"])
		code, dl, _ = call(t, h, "GET", "/applications/a1/dead-letters?endpoint_id="+ok.ID, "")
		require.Equal(t, http.StatusOK, code)
		assert.Empty(t, dl["items"], "the healthy endpoint has none")
		code, dl, _ = call(t, h, "GET", "/applications/a2/dead-letters", "")
		require.Equal(t, http.StatusOK, code)
		assert.Empty(t, dl["items"], "another application's dead letters are not shown")

		code, st, raw := call(t, h, "GET", "/applications/a1/endpoints/"+ok.ID+"/stats", "")
		require.Equal(t, http.StatusOK, code, raw)
		assert.Equal(t, float64(2), st["attempts"])
		assert.Equal(t, float64(2), st["delivered"])
		assert.Equal(t, float64(1), st["success_rate"])
		for _, k := range []string{"latency_p50_ns", "latency_p90_ns", "latency_p99_ns"} {
			assert.Contains(t, st, k)
		}
		code, st, _ = call(t, h, "GET", "/applications/a1/endpoints/"+bad.ID+"/stats?window_seconds=3600", "")
		require.Equal(t, http.StatusOK, code)
		assert.Equal(t, float64(2), st["attempts"])
		assert.Equal(t, float64(0), st["delivered"])
		assert.Equal(t, float64(0), st["success_rate"])
		env.clock.Advance(2 * time.Hour)
		stats, err := env.e.Stats(ctx, "a1", bad.ID, time.Hour)
		require.NoError(t, err)
		assert.Zero(t, stats.Attempts, "attempts outside the window are not counted")

		code, _, _ = call(t, h, "POST", "/applications/a1/endpoints/"+bad.ID+"/disable", "")
		require.Equal(t, http.StatusOK, code)
		code, out, raw := call(t, h, "POST", "/applications/a1/endpoints/"+bad.ID+"/messages/msg_1/resend", "")
		assert.Equal(t, http.StatusConflict, code, raw)
		assert.Equal(t, "endpoint_disabled", out["error"])
		require.ErrorIs(t, env.e.Resend(ctx, "a1", bad.ID, "msg_1"), endpoints.ErrDisabled)
		code, _, _ = call(t, h, "POST", "/applications/a1/endpoints/"+bad.ID+"/enable", "")
		require.Equal(t, http.StatusOK, code)
		rc.setStatus("/bad", http.StatusOK)
		code, _, raw = call(t, h, "POST", "/applications/a1/endpoints/"+bad.ID+"/messages/msg_1/resend", "")
		require.Equal(t, http.StatusAccepted, code, raw)
		env.waitDelivery(t, "a1", bad.ID, "msg_1", durable.StateDone)

		code, _, raw = call(t, h, "DELETE", "/applications/a1", "")
		require.Equal(t, http.StatusNoContent, code, raw)
		for _, path := range []string{"/applications/a1", "/applications/a1/endpoints", "/applications/a1/endpoints/" + ok.ID,
			"/applications/a1/messages/msg_1", "/applications/a1/messages"} {
			code, _, raw = call(t, h, "GET", path, "")
			assert.Equal(t, http.StatusNotFound, code, "%s after deleting the application: %s", path, raw)
		}
		code, _, _ = call(t, h, "DELETE", "/applications/a1", "")
		assert.Equal(t, http.StatusNotFound, code)
		code, page, _ = call(t, h, "GET", "/applications", "")
		require.Equal(t, http.StatusOK, code)
		assert.Equal(t, []string{"a2", "a3"}, itemIDs(page))
		// A new application with the old id starts empty.
		_, err = env.e.CreateApplication(ctx, "a1", "again")
		require.NoError(t, err)
		msgs, err := env.e.ListMessages(ctx, "a1", "", 0)
		require.NoError(t, err)
		assert.Empty(t, msgs.Items)
		eps, err := env.e.ListEndpoints(ctx, "a1")
		require.NoError(t, err)
		assert.Empty(t, eps)
		atts, err := env.e.ListAttempts(ctx, "a1", endpoints.AttemptFilter{MessageID: "msg_1"}, "", 0)
		require.NoError(t, err)
		assert.Empty(t, atts.Items)
	})
}

func itemIDs(page map[string]any) []string {
	var ids []string
	for _, it := range page["items"].([]any) {
		ids = append(ids, it.(map[string]any)["id"].(string))
	}
	return ids
}
