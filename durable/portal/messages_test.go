package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
)

// waitAttempts waits until the message page shows n attempts.
func waitAttempts(t *testing.T, v *visitor, msgID string, n int) string {
	t.Helper()
	var page string
	require.Eventually(t, func() bool {
		page = v.get("/portal/messages/" + msgID).Body.String()
		return strings.Count(page, `<tr class="attempt `) == n
	}, 20*time.Second, 20*time.Millisecond, "%d attempts of %s", n, msgID)
	return page
}

func TestTestEventReachesTheReceiverAndShowsItsAttempt(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := context.Background()
	rc := newReceiver(t)
	v := e.signIn(t, "acme")
	ep, secret, err := e.svc.CreateEndpoint(ctx, "acme", endpoints.Input{URL: rc.URL + "/hook", Filter: []string{"customer.created"}})
	require.NoError(t, err)
	rc.useSecret(t, secret)
	e.start(t)

	// The example of the chosen type is sent when no payload is typed,
	// whatever the endpoint's filter.
	rec := v.post("/portal/endpoints/"+ep.ID+"/test", url.Values{"event_type": {"invoice.paid"}, "payload": {""}})
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	loc := rec.Header().Get("Location")
	require.True(t, strings.HasPrefix(loc, "/portal/messages/msg_"), loc)
	msgID := strings.TrimSuffix(strings.TrimPrefix(loc, "/portal/messages/"), "?done=sent")
	first := v.get(loc)
	assert.Contains(t, first.Body.String(), "The test event was queued.")

	select {
	case ev := <-rc.got:
		assert.Equal(t, msgID, ev.ID)
		assert.Equal(t, "invoice.paid", ev.Type)
		assert.JSONEq(t, `{"id":"`+msgID+`","event":"invoice.paid","data":{"invoice":"in_1","amount":4200}}`, string(ev.Payload))
	case <-time.After(20 * time.Second):
		t.Fatal("the test event did not arrive")
	}
	page := waitAttempts(t, v, msgID, 1)
	assert.Contains(t, page, `<td data-label="Result" class="outcome">delivered 200`)
	assert.Contains(t, page, `{&#34;received&#34;:&#34;`+msgID+`&#34;}`, "the response snippet")
	assert.Contains(t, page, `id="message-status">delivered`)
	assert.NotContains(t, page, `http-equiv="refresh"`, "no reload once attempted")
	assert.Contains(t, v.get("/portal/endpoints/"+ep.ID).Body.String(), msgID, "the endpoint lists its attempt")

	// A typed payload, and refusals.
	rec = v.post("/portal/endpoints/"+ep.ID+"/test", url.Values{"event_type": {"customer.created"}, "payload": {`{"customer":"cus_9"}`}})
	require.Equal(t, http.StatusSeeOther, rec.Code)
	select {
	case ev := <-rc.got:
		assert.Contains(t, string(ev.Payload), `"data":{"customer":"cus_9"}`)
	case <-time.After(20 * time.Second):
		t.Fatal("the second test event did not arrive")
	}
	rec = v.post("/portal/endpoints/"+ep.ID+"/test", url.Values{"event_type": {"order.created"}})
	assert.Equal(t, http.StatusUnprocessableEntity, rec.Code, "only declared types")
	rec = v.post("/portal/endpoints/"+ep.ID+"/test", url.Values{"event_type": {"invoice.paid"}, "payload": {"{not json"}})
	assert.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	assert.Contains(t, rec.Body.String(), "payload must be JSON")
}

func TestMessageLogFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := context.Background()
	rc := newReceiver(t)
	v := e.signIn(t, "acme")
	_, secret, err := e.svc.CreateEndpoint(ctx, "acme", endpoints.Input{URL: rc.URL + "/hook", Filter: []string{"invoice.*"}})
	require.NoError(t, err)
	rc.useSecret(t, secret)
	e.start(t)
	paid, err := e.svc.Publish(ctx, "acme", "invoice.paid", []byte(`{}`), "m_paid")
	require.NoError(t, err)
	waitAttempts(t, v, paid.MessageID, 1)
	rc.status.Store(http.StatusInternalServerError)
	refunded, err := e.svc.Publish(ctx, "acme", "invoice.refunded", []byte(`{}`), "m_refunded")
	require.NoError(t, err)
	waitAttempts(t, v, refunded.MessageID, 1)
	_, err = e.svc.Publish(ctx, "acme", "customer.created", []byte(`{}`), "m_customer")
	require.NoError(t, err)

	ids := func(query string) []string {
		t.Helper()
		rec := v.get("/portal/messages?" + query)
		require.Equal(t, http.StatusOK, rec.Code, query)
		var out []string
		for _, part := range strings.Split(rec.Body.String(), `<tr class="message status-`)[1:] {
			status, _, _ := strings.Cut(part, `"`)
			_, rest, _ := strings.Cut(part, `/portal/messages/`)
			id, _, _ := strings.Cut(rest, `"`)
			out = append(out, id+":"+status)
		}
		return out
	}
	assert.Equal(t, []string{"m_customer:pending", "m_refunded:failing", "m_paid:delivered"}, ids(""))
	assert.Equal(t, []string{"m_refunded:failing"}, ids("status=failing"))
	assert.Equal(t, []string{"m_refunded:failing", "m_paid:delivered"}, ids("type=invoice.*"))
	assert.Equal(t, []string{"m_paid:delivered"}, ids("type=invoice.paid&status=delivered"))
	future := e.clock.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04")
	assert.Empty(t, ids("since="+future))
	assert.Len(t, ids("until="+future), 3)

	page := v.get("/portal/messages/" + refunded.MessageID).Body.String()
	assert.Contains(t, page, `class="outcome">retry 500`)

	for _, q := range []string{"status=lost", "type=no%20spaces", "since=yesterday"} {
		rec := v.get("/portal/messages?" + q)
		assert.Equal(t, http.StatusUnprocessableEntity, rec.Code, q)
		assert.Contains(t, rec.Body.String(), `id="form-error"`, q)
	}
}

func TestResendAndRecoverAFailedMessage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := context.Background()
	rc := newReceiver(t)
	v := e.signIn(t, "acme")
	ep, secret, err := e.svc.CreateEndpoint(ctx, "acme", endpoints.Input{URL: rc.URL + "/hook"})
	require.NoError(t, err)
	rc.useSecret(t, secret)
	rc.status.Store(http.StatusServiceUnavailable)
	e.start(t)
	// One attempt only in these tests: each fails into a dead letter.
	one, err := e.svc.Publish(ctx, "acme", "invoice.paid", []byte(`{"n":1}`), "m_one")
	require.NoError(t, err)
	two, err := e.svc.Publish(ctx, "acme", "invoice.paid", []byte(`{"n":2}`), "m_two")
	require.NoError(t, err)
	waitAttempts(t, v, one.MessageID, 1)
	waitAttempts(t, v, two.MessageID, 1)
	// Both dead letters before the resend: an attempt is recorded before
	// its job ends, and a resend while it runs is refused (ErrDeliveryRunning).
	for _, id := range []string{one.MessageID, two.MessageID} {
		require.Eventually(t, func() bool {
			it, err := e.svc.Delivery(ctx, "acme", ep.ID, id)
			return err == nil && it.State == durable.StateDead
		}, 20*time.Second, 20*time.Millisecond)
	}

	rc.status.Store(http.StatusOK)
	page := v.get("/portal/messages/" + one.MessageID).Body.String()
	assert.Contains(t, page, `<option value="`+ep.ID+`">`)
	rec := v.post("/portal/messages/"+one.MessageID+"/resend", url.Values{"endpoint_id": {ep.ID}})
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	assert.Equal(t, "/portal/messages/"+one.MessageID+"?done=resent", rec.Header().Get("Location"))
	page = waitAttempts(t, v, one.MessageID, 2)
	assert.Contains(t, page, `class="outcome">delivered 200`)
	assert.Contains(t, page, `id="message-status">delivered`)

	// Recover queues the other dead letter again.
	rec = v.post("/portal/endpoints/"+ep.ID+"/recover", url.Values{"since": {"24h"}})
	require.Equal(t, http.StatusSeeOther, rec.Code)
	assert.Contains(t, v.get(rec.Header().Get("Location")).Body.String(), "1 deliveries queued again.")
	waitAttempts(t, v, two.MessageID, 2)
	rec = v.post("/portal/endpoints/"+ep.ID+"/recover", url.Values{"since": {"forever"}})
	assert.Equal(t, http.StatusUnprocessableEntity, rec.Code)

	// Not to a disabled endpoint: enable it first.
	_, err = e.svc.DisableEndpoint(ctx, "acme", ep.ID)
	require.NoError(t, err)
	rec = v.post("/portal/messages/"+one.MessageID+"/resend", url.Values{"endpoint_id": {ep.ID}})
	assert.Equal(t, http.StatusConflict, rec.Code)
	assert.Contains(t, rec.Body.String(), "enable it before resending")
}

func TestApplicationsNeverSeeEachOther(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := context.Background()
	acme, globex := e.signIn(t, "acme"), e.signIn(t, "globex")
	mine, _, err := e.svc.CreateEndpoint(ctx, "acme", endpoints.Input{URL: "https://acme.example/hook", Description: "acme-only"})
	require.NoError(t, err)
	theirs, theirSecret, err := e.svc.CreateEndpoint(ctx, "globex", endpoints.Input{URL: "https://globex.example/hook", Description: "globex-only"})
	require.NoError(t, err)
	myMsg, err := e.svc.SendTest(ctx, "acme", mine.ID, "invoice.paid", []byte(`{"who":"acme"}`))
	require.NoError(t, err)
	theirMsg, err := e.svc.SendTest(ctx, "globex", theirs.ID, "invoice.paid", []byte(`{"who":"globex"}`))
	require.NoError(t, err)

	// Lists show only one's own.
	for _, path := range []string{"/portal/endpoints", "/portal/messages"} {
		page := acme.get(path).Body.String()
		assert.NotContains(t, page, "globex", path)
		assert.NotContains(t, page, theirs.ID, path)
		assert.NotContains(t, page, theirMsg.MessageID, path)
		page = globex.get(path).Body.String()
		assert.NotContains(t, page, mine.ID, path)
		assert.NotContains(t, page, myMsg.MessageID, path)
	}
	assert.Contains(t, acme.get("/portal/endpoints").Body.String(), mine.ID)
	assert.Contains(t, acme.get("/portal/messages").Body.String(), myMsg.MessageID)

	// The other's pages and actions are unknown.
	ep := "/portal/endpoints/" + theirs.ID
	assert.Equal(t, http.StatusNotFound, acme.get(ep).Code)
	assert.Equal(t, http.StatusNotFound, acme.get("/portal/messages/"+theirMsg.MessageID).Code)
	for _, post := range []struct {
		path string
		form url.Values
	}{
		{ep, url.Values{"url": {"https://evil.example/"}}},
		{ep + "/disable", nil},
		{ep + "/delete", nil},
		{ep + "/secret/reveal", nil},
		{ep + "/secret/rotate", nil},
		{ep + "/test", url.Values{"event_type": {"invoice.paid"}}},
		{ep + "/recover", url.Values{"since": {"24h"}}},
		{"/portal/messages/" + theirMsg.MessageID + "/resend", url.Values{"endpoint_id": {theirs.ID}}},
		{"/portal/messages/" + theirMsg.MessageID + "/resend", url.Values{"endpoint_id": {mine.ID}}},
		{"/portal/messages/" + myMsg.MessageID + "/resend", url.Values{"endpoint_id": {theirs.ID}}},
	} {
		rec := acme.post(post.path, post.form)
		assert.Equal(t, http.StatusNotFound, rec.Code, post.path)
		assert.NotContains(t, rec.Body.String(), "whsec_", post.path)
	}
	got, err := e.svc.GetEndpoint(ctx, "globex", theirs.ID)
	require.NoError(t, err)
	assert.Equal(t, "https://globex.example/hook", got.URL)
	assert.True(t, got.Enabled)
	assert.Len(t, got.Secrets, 1)
	still, err := e.svc.RevealSecret(ctx, "globex", theirs.ID)
	require.NoError(t, err)
	assert.Equal(t, theirSecret, still)
	page, err := e.svc.FindMessages(ctx, "globex", endpoints.MessageQuery{}, "", 0)
	require.NoError(t, err)
	assert.Len(t, page.Items, 1, "no test event was sent on globex's behalf")
}
