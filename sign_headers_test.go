package webhook_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
)

func TestSignHeadersSetsCanonicalKeys(t *testing.T) {
	t.Parallel()
	signer, err := webhook.NewSigner(testSecret, &webhook.SignerOptions{
		SignatureHeader: "x-sig",
		TimestampHeader: "x-ts",
		IDHeader:        "x-message-id",
	})
	require.NoError(t, err)
	h := http.Header{}
	require.NoError(t, signer.SignHeaders(h, "msg_1", testTime, []byte(`{}`)))
	assert.Equal(t, http.Header{
		"X-Sig":        {signer.Sign(testTime, []byte(`{}`))},
		"X-Ts":         {strconv.FormatInt(testTime.Unix(), 10)},
		"X-Message-Id": {"msg_1"},
		"Content-Type": {"application/json"},
	}, h)
}

func TestSignHeadersContentType(t *testing.T) {
	t.Parallel()
	signer, err := webhook.NewSigner(testSecret, nil)
	require.NoError(t, err)
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"missing", nil, []string{"application/json"}},
		{"empty list", []string{}, []string{"application/json"}},
		{"empty value", []string{""}, []string{"application/json"}},
		{"kept", []string{"text/plain"}, []string{"text/plain"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			if tc.in != nil {
				h["Content-Type"] = tc.in
			}
			require.NoError(t, signer.SignHeaders(h, "msg_1", testTime, nil))
			assert.Equal(t, tc.want, h["Content-Type"])
		})
	}
}

// The values of the headers SignHeaders sets are independent: adding to one
// changes no other.
func TestSignHeadersValuesAreIndependent(t *testing.T) {
	t.Parallel()
	signer, err := webhook.NewSigner(testSecret, nil)
	require.NoError(t, err)
	h := http.Header{}
	require.NoError(t, signer.SignHeaders(h, "msg_1", testTime, nil))
	before := h.Clone()
	h.Add(webhook.SignatureHeader, "extra")
	h.Add(webhook.TimestampHeader, "extra")
	h.Add(webhook.IDHeader, "extra")
	for _, k := range []string{webhook.SignatureHeader, webhook.TimestampHeader, webhook.IDHeader} {
		assert.Equal(t, append(before[k], "extra"), h[k], k)
	}
	assert.Equal(t, before["Content-Type"], h["Content-Type"])
}

// uaSigner is a HeaderSigner of another scheme that sets its own
// User-Agent.
type uaSigner struct{ ua string }

func (s uaSigner) SignHeaders(h http.Header, id string, _ time.Time, _ []byte) error {
	h.Set("Webhook-Id", id)
	if s.ua != "" {
		h.Set("User-Agent", s.ua)
	}
	return nil
}

func TestSenderUserAgent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		opts   webhook.SenderOptions
		want   string
		wantID string
	}{
		{"default", webhook.SenderOptions{}, "signedhooks-webhook", ""},
		{"custom", webhook.SenderOptions{UserAgent: "acme/1.0"}, "acme/1.0", ""},
		{"other scheme", webhook.SenderOptions{Signer: uaSigner{}, UserAgent: "acme/1.0"}, "acme/1.0", "msg_ua"},
		{"other scheme overrides", webhook.SenderOptions{Signer: uaSigner{ua: "scheme/2"}}, "scheme/2", "msg_ua"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := make(chan http.Header, 1)
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				got <- r.Header.Clone()
			})
			s := newTestSender(t, nil, tc.opts)
			_, err := s.Send(context.Background(), srv.URL, webhook.Message{ID: "msg_ua", Payload: []byte(`{}`)})
			require.NoError(t, err)
			h := <-got
			assert.Equal(t, []string{tc.want}, h["User-Agent"])
			if tc.wantID != "" {
				assert.Equal(t, tc.wantID, h.Get("Webhook-Id"))
			} else {
				assert.Equal(t, "msg_ua", h.Get(webhook.IDHeader))
				assert.Equal(t, "application/json", h.Get("Content-Type"))
			}
		})
	}
}
