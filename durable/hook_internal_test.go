package durable

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTraceMetadataBounds(t *testing.T) {
	t.Parallel()
	many := map[string]string{}
	for i := range 20 {
		many["k"+strconv.Itoa(i)] = "v"
	}
	for _, tc := range []struct {
		name     string
		metadata string
		trace    map[string]string
		want     map[string]string
		wantLen  int
	}{
		{name: "kept", trace: map[string]string{"traceparent": "00-abc-def-01"}, want: map[string]string{"traceparent": "00-abc-def-01"}},
		{name: "nothing", trace: nil, want: nil},
		{name: "bad entries dropped", trace: map[string]string{"": "x", strings.Repeat("k", 65): "x",
			"v": strings.Repeat("v", 513), "ok": "1"}, want: map[string]string{"ok": "1"}},
		{name: "at most 8", trace: many, wantLen: 8},
		{name: "other metadata kept", metadata: `{"snoozes":2}`, trace: map[string]string{"a": "b"}, want: map[string]string{"a": "b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			md := traceMetadata([]byte(tc.metadata), tc.trace)
			got := traceOf(md)
			if tc.wantLen > 0 {
				assert.Len(t, got, tc.wantLen)
			} else {
				assert.Equal(t, tc.want, got)
			}
			if tc.metadata != "" {
				assert.Contains(t, string(md), `"snoozes":2`)
			}
		})
	}
	assert.Nil(t, traceOf([]byte(`{"webhook_trace":{"a":1,"b":["x"]}}`)), "non-string values are ignored")
}
