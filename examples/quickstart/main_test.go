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
	assert.Equal(t, 2, strings.Count(got, "consumer accepted"), "the retry is not handled again: %s", got)
	assert.Contains(t, got, "without handling it again")
	assert.Contains(t, got, "refused a replayed signature")
	assert.Equal(t, 3, strings.Count(got, "HTTP 200"), got)
	assert.Equal(t, 1, strings.Count(got, "HTTP 409"), got)
	assert.Contains(t, got, "no matching signature")
	assert.Contains(t, got, "timestamp too old")
	assert.Contains(t, got, "missing signature header")
	assert.Equal(t, 2, strings.Count(got, "HTTP 401"), got)
	assert.Equal(t, 1, strings.Count(got, "HTTP 400"), got)
}
