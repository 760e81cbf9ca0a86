package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRun checks that /metrics shows the delivery counters after the
// messages: every message processed, the first one after a failed attempt.
func TestRun(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, "127.0.0.1:0", 3, false))
	line := regexp.MustCompile(`(?m)^(webhook_\w+_total)\{(.*)\} (\d+)$`)
	label := regexp.MustCompile(`(webhook_outcome|webhook_attempt_class|http_response_status_code)="([^"]*)"`)
	got := map[string]int{}
	for _, m := range line.FindAllStringSubmatch(out.String(), -1) {
		key := m[1]
		for _, l := range label.FindAllStringSubmatch(m[2], -1) {
			key += " " + l[1] + "=" + l[2]
		}
		n, err := strconv.Atoi(m[3])
		require.NoError(t, err)
		got[key] = n
	}
	assert.Equal(t, map[string]int{
		"webhook_consumer_deliveries_total webhook_outcome=failed":                                    1,
		"webhook_consumer_deliveries_total webhook_outcome=processed":                                 3,
		"webhook_sender_attempts_total http_response_status_code=500 webhook_attempt_class=retry":     1,
		"webhook_sender_attempts_total http_response_status_code=200 webhook_attempt_class=delivered": 3,
	}, got, "output:\n%s", out.String())
}
