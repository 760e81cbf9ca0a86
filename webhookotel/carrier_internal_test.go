package webhookotel

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHeaderCarrier(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, key, header string
	}{
		{"W3C traceparent", "traceparent", "Traceparent"},
		{"W3C tracestate", "tracestate", "Tracestate"},
		{"baggage", "baggage", "Baggage"},
		{"any other key", "x-b3-traceid", "X-B3-Traceid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			c := headerCarrier(h)
			c.Set(tc.key, "v1")
			assert.Equal(t, []string{"v1"}, h[tc.header])
			assert.Equal(t, "v1", c.Get(tc.key))
			assert.Equal(t, []string{tc.header}, c.Keys())
			assert.Empty(t, headerCarrier(http.Header{}).Get(tc.key))
		})
	}
}
