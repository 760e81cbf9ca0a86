package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuickstart(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	got := out.String()
	assert.Equal(t, 3, strings.Count(got, "consumer accepted"), "the repeated payment is not handled again: %s", got)
	assert.Contains(t, got, "acknowledged a duplicate of wh_pay_123 without handling it again")
	assert.Contains(t, got, "refused a replayed signature (claimed id wh_forged)")
	assert.Equal(t, 1, strings.Count(got, "HTTP 409"), got)
	assert.Equal(t, 2, strings.Count(got, "fails wh_001 on purpose: HTTP 503"), got)
	assert.Contains(t, got, "Processing payment.succeeded: wh_001 (retry 1 after 100ms)\n")
	assert.Contains(t, got, "Processing payment.succeeded: wh_001 (retry 2 after 200ms)\n")
	assert.Contains(t, got, "delivered after 3 attempts: HTTP 200\n")
	assert.Contains(t, got, "no matching signature")
	assert.Contains(t, got, "timestamp too old")
	assert.Contains(t, got, "missing signature header")
	assert.Equal(t, 2, strings.Count(got, "HTTP 401"), got)
	assert.Equal(t, 1, strings.Count(got, "HTTP 400"), got)
}
