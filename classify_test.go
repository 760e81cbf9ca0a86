package webhook_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/signedhooks/webhook"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		err    error
		want   webhook.Class
	}{
		{"200", 200, nil, webhook.ClassDelivered},
		{"202", 202, nil, webhook.ClassDelivered},
		{"204", 204, nil, webhook.ClassDelivered},
		{"301 permanent redirect", 301, nil, webhook.ClassPermanent},
		{"302 temporary redirect", 302, nil, webhook.ClassRetry},
		{"303", 303, nil, webhook.ClassRetry},
		{"307", 307, nil, webhook.ClassRetry},
		{"308 permanent redirect", 308, nil, webhook.ClassPermanent},
		{"400", 400, nil, webhook.ClassPermanent},
		{"401", 401, nil, webhook.ClassPermanent},
		{"404", 404, nil, webhook.ClassPermanent},
		{"408", 408, nil, webhook.ClassRetry},
		{"409 in flight", 409, nil, webhook.ClassRetry},
		{"410", 410, nil, webhook.ClassGone},
		{"413", 413, nil, webhook.ClassPermanent},
		{"425", 425, nil, webhook.ClassRetry},
		{"429", 429, nil, webhook.ClassRetry},
		{"500", 500, nil, webhook.ClassRetry},
		{"502", 502, nil, webhook.ClassRetry},
		{"503", 503, nil, webhook.ClassRetry},
		{"599", 599, nil, webhook.ClassRetry},
		{"nonsense status", 700, nil, webhook.ClassRetry},
		{"connection refused", 0, &net.OpError{Op: "dial", Err: errors.New("connection refused")}, webhook.ClassRetry},
		{"timeout", 0, context.DeadlineExceeded, webhook.ClassRetry},
		{"blocked address", 0, fmt.Errorf("dial: %w", webhook.ErrBlockedAddress), webhook.ClassPermanent},
		{"invalid URL", 0, webhook.ErrInvalidURL, webhook.ClassPermanent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, webhook.Classify(tc.status, tc.err))
		})
	}
}

func TestClassAndOutcomeStrings(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "delivered", webhook.ClassDelivered.String())
	assert.Equal(t, "retry", webhook.ClassRetry.String())
	assert.Equal(t, "permanent", webhook.ClassPermanent.String())
	assert.Equal(t, "gone", webhook.ClassGone.String())
	assert.Equal(t, "unknown", webhook.Class(0).String())
	assert.Equal(t, "delivered", webhook.Delivered.String())
	assert.Equal(t, "gave up", webhook.GaveUp.String())
	assert.Equal(t, "permanent failure", webhook.PermanentFailure.String())
	assert.Equal(t, "cancelled", webhook.Cancelled.String())
	assert.Equal(t, "unknown", webhook.DeliveryOutcome(0).String())
}
