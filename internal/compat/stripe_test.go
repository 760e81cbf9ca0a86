package compat

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	stripewebhook "github.com/stripe/stripe-go/v82/webhook"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/stripesig"
)

const stripeSecret = "whsec_plAC3bBEVyAf8kF1cLcJeEXyW8nyvNBs"

const stripeEvent = `{
  "id": "evt_1NG8Du2eZvKYlo2CUI79vXWy",
  "object": "event",
  "api_version": "2025-08-27.basil",
  "created": 1686089970,
  "data": {"object": {"id": "in_1NG8Du2eZvKYlo2C", "object": "invoice", "status": "paid"}},
  "livemode": false,
  "pending_webhooks": 0,
  "request": {"id": null, "idempotency_key": null},
  "type": "invoice.paid"
}`

// Signatures made by stripe-go's test helper verify here, and the event id
// and type read by Authenticate are those stripe-go decodes.
func TestStripeSignsWeVerify(t *testing.T) {
	t.Parallel()
	now := time.Now()
	for _, ts := range []time.Time{now, now.Add(-4 * time.Minute), now.Add(4 * time.Minute)} {
		p := stripewebhook.GenerateTestSignedPayload(&stripewebhook.UnsignedPayload{
			Payload: []byte(stripeEvent), Secret: stripeSecret, Timestamp: ts,
		})
		v, err := stripesig.NewVerifier([]string{"whsec_an_older_secret_in_rotation", stripeSecret}, nil)
		require.NoError(t, err)
		r := httptest.NewRequest(http.MethodPost, "/stripe", strings.NewReader(stripeEvent))
		r.Header.Set("Stripe-Signature", p.Header)
		a, err := v.Authenticate(r, p.Payload)
		require.NoError(t, err)

		ev, err := stripewebhook.ConstructEventWithOptions(p.Payload, p.Header, stripeSecret,
			stripewebhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
		require.NoError(t, err)
		assert.Equal(t, ev.ID, a.ID)
		assert.Equal(t, string(ev.Type), a.Type)
		assert.Equal(t, ts.Unix(), a.Timestamp.Unix())
	}
}

// Signatures made here verify with stripe-go, one secret or several.
func TestWeSignStripeVerifies(t *testing.T) {
	t.Parallel()
	header := stripesig.Sign([]string{"whsec_an_older_secret_in_rotation", stripeSecret}, time.Now(), []byte(stripeEvent))
	require.NoError(t, stripewebhook.ValidatePayload([]byte(stripeEvent), header, stripeSecret))
	require.NoError(t, stripewebhook.ValidatePayload([]byte(stripeEvent), header, "whsec_an_older_secret_in_rotation"))
	require.Error(t, stripewebhook.ValidatePayload([]byte(stripeEvent+" "), header, stripeSecret))
}

// Where stripe-go is lenient, this package is not: a signature from the far
// future passes stripe-go's tolerance check but not ours.
func TestStricterThanStripe(t *testing.T) {
	t.Parallel()
	header := stripesig.Sign([]string{stripeSecret}, time.Now().Add(time.Hour), []byte(stripeEvent))
	require.NoError(t, stripewebhook.ValidatePayload([]byte(stripeEvent), header, stripeSecret))
	v, err := stripesig.NewVerifier([]string{stripeSecret}, nil)
	require.NoError(t, err)
	require.ErrorIs(t, v.Verify(header, []byte(stripeEvent)), webhook.ErrTimestampTooNew)
}
