package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/standardwebhooks"
)

// TestMessageEnvelope pins the body a Message with Data is sent as.
func TestMessageEnvelope(t *testing.T) {
	t.Parallel()
	key := standardwebhooks.FormatSecret(senderSecret)
	sw, err := standardwebhooks.NewSigner([]string{key}, nil)
	require.NoError(t, err)
	tests := []struct {
		name    string
		signer  webhook.HeaderSigner
		msg     webhook.Message
		want    string
		wantErr error
	}{
		{"data", nil, webhook.Message{ID: "msg_1", Type: "a.b", Data: map[string]int{"n": 1}}, `{"id":"msg_1","event":"a.b","data":{"n":1}}`, nil},
		{"raw data embedded as is", nil, webhook.Message{ID: "msg_1", Type: "a.b", Data: json.RawMessage(`{"b":2, "a":1}`)}, `{"id":"msg_1","event":"a.b","data":{"b":2, "a":1}}`, nil},
		{"standard webhooks names the type field type", sw, webhook.Message{ID: "msg_1", Type: "a.b", Data: []int{1}}, `{"id":"msg_1","type":"a.b","data":[1]}`, nil},
		{"escaped id and type", nil, webhook.Message{ID: "m\"<1>", Type: "é\n", Data: 1}, `{"id":"m\"\u003c1\u003e","event":"é\n","data":1}`, nil},
		{"no type", nil, webhook.Message{ID: "msg_1", Data: true}, `{"id":"msg_1","event":"","data":true}`, nil},
		{"payload byte for byte", nil, webhook.Message{ID: "msg_1", Type: "a.b", Payload: []byte(` {"x":1}`)}, ` {"x":1}`, nil},
		{"invalid raw data", nil, webhook.Message{ID: "msg_1", Data: json.RawMessage(`{"x":`)}, "", webhook.ErrInvalidMessage},
		{"unmarshallable data", nil, webhook.Message{ID: "msg_1", Data: make(chan int)}, "", webhook.ErrInvalidMessage},
		{"both payload and data", nil, webhook.Message{ID: "msg_1", Data: 1, Payload: []byte(`{}`)}, "", webhook.ErrInvalidMessage},
		{"neither", nil, webhook.Message{ID: "msg_1"}, "", webhook.ErrInvalidMessage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := make(chan string, 1)
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				got <- string(b)
			})
			opts := webhook.SenderOptions{Signer: tc.signer}
			s := newTestSender(t, nil, opts)
			_, err := s.Attempt(context.Background(), srv.URL, tc.msg, webhook.AttemptOptions{Number: 1})
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				assert.Zero(t, srv.requests.Load(), "nothing is sent")
				return
			}
			require.NoError(t, err)
			body := <-got
			assert.Equal(t, tc.want, body)
			if tc.msg.Data != nil {
				assert.True(t, json.Valid([]byte(body)))
				var env map[string]any
				require.NoError(t, json.Unmarshal([]byte(body), &env))
				assert.Equal(t, tc.msg.ID, env["id"])
			}
		})
	}
}
