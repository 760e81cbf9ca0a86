package webhook_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
)

func TestSendSnippetOfStreamedBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		size     int
		maxResp  int
		wantSize int
	}{
		{"empty", 0, 0, 0},
		{"shorter than the limit", 100, 0, 100},
		{"cut at the default limit", 10_000, 0, webhook.DefaultMaxResponseBytes},
		{"limit above the default", 10_000, 6000, 6000},
		{"whole body under a large limit", 5000, 6000, 5000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := []byte(strings.Repeat("0123456789", tc.size/10+1))[:tc.size]
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusOK)
				http.NewResponseController(w).Flush() // no Content-Length
				for b := body; len(b) > 0; b = b[min(len(b), 1000):] {
					w.Write(b[:min(len(b), 1000)])
					http.NewResponseController(w).Flush()
				}
			})
			s := newTestSender(t, nil, webhook.SenderOptions{MaxResponseBytes: tc.maxResp})
			rep, err := s.Send(context.Background(), srv.URL, msg(`{}`))
			require.NoError(t, err)
			assert.Equal(t, string(body[:tc.wantSize]), string(rep.Attempts[0].Response))
		})
	}
}
