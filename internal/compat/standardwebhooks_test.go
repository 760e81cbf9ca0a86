package compat

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stretchr/testify/require"

	sw "github.com/signedhooks/webhook/standardwebhooks"
)

const (
	swSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	swID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
)

// Signatures made by the Standard Webhooks reference library verify here.
func TestStandardWebhooksSignsWeVerify(t *testing.T) {
	t.Parallel()
	theirs, err := standardwebhooks.NewWebhook(swSecret)
	require.NoError(t, err)
	ours, err := sw.NewVerifier([]string{swSecret}, nil)
	require.NoError(t, err)
	body := []byte(`{"type":"invoice.paid","data":{"id":"in_1"}}`)
	for _, ts := range []time.Time{time.Now(), time.Now().Add(-4 * time.Minute), time.Now().Add(4 * time.Minute)} {
		sig, err := theirs.Sign(swID, ts, body)
		require.NoError(t, err)
		h := http.Header{}
		h.Set(standardwebhooks.HeaderWebhookID, swID)
		h.Set(standardwebhooks.HeaderWebhookTimestamp, itoa(ts.Unix()))
		h.Set(standardwebhooks.HeaderWebhookSignature, sig)
		require.NoError(t, ours.Verify(h, body))
	}
}

// Signatures made here, with the webhook-* or svix-* headers, verify with the
// reference library; an ed25519 signature next to the HMAC one does not
// disturb it.
func TestWeSignStandardWebhooksVerifies(t *testing.T) {
	t.Parallel()
	theirs, err := standardwebhooks.NewWebhook(swSecret)
	require.NoError(t, err)
	body := []byte(`{"type":"invoice.paid"}`)
	for _, keys := range [][]string{
		{swSecret},
		{"whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==", swSecret},
	} {
		s, err := sw.NewSigner(keys, nil)
		require.NoError(t, err)
		h := http.Header{}
		require.NoError(t, s.SignHeaders(h, swID, time.Now(), body))
		require.NoError(t, theirs.Verify(body, h))
		require.Error(t, theirs.Verify(append(body, ' '), h))
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
