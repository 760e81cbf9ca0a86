package portal

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/signedhooks/webhook/durable/endpoints"
	"github.com/stretchr/testify/assert"
)

// Errors about the customer's input or the endpoint's state are answered
// with what to do; anything else is a 500 that shows nothing of the error.
func TestUserMessage(t *testing.T) {
	p := &Portal{opts: Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	r := httptest.NewRequest(http.MethodPost, "/portal/", nil)
	for _, tc := range []struct {
		err    error
		status int
		says   string
	}{
		{fmt.Errorf("resend: %w", endpoints.ErrDisabled), http.StatusConflict, "This endpoint is disabled: enable it, then try again."},
		{endpoints.ErrDeliveryRunning, http.StatusConflict, "This message is being delivered to the endpoint right now: resend it once the attempt has ended."},
		{fmt.Errorf("%w: description holds a NUL byte", endpoints.ErrInvalidText), http.StatusUnprocessableEntity, "Invalid text: description holds a NUL byte."},
		{endpoints.ErrUnknownMessage, http.StatusNotFound, "There is no such endpoint or message."},
		{errors.New("pq: connection reset, secret whsec_x"), http.StatusInternalServerError, "Something went wrong on our side. Try again in a moment."},
	} {
		status, says := p.userMessage(r, tc.err)
		assert.Equal(t, tc.status, status, tc.err.Error())
		assert.Equal(t, tc.says, says)
	}
}
