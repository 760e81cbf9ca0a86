package capture

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHistoryStaysBounded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		history      int
		historyBytes int64
		body         string
		want         int
	}{
		{name: "by count", history: 100, body: `{"n":1}`, want: 100},
		{name: "by bytes", history: 10_000, historyBytes: 100 * 1024, body: strings.Repeat("x", 1000), want: 50},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, &Options{History: tc.history, HistoryBytes: tc.historyBytes, Authenticator: testVerifier(t)})
			const total = 10_000
			for i := 1; i <= total; i++ {
				// Ids repeat every 7 deliveries, so duplicates come and go.
				r := signedRequest(t, fmt.Sprintf("msg_%d", i%7), tc.body)
				require.Equal(t, http.StatusOK, serve(s, r).Code)
			}
			n := s.Len()
			assert.LessOrEqual(t, n, tc.history)
			assert.GreaterOrEqual(t, n, tc.want)
			s.mu.Lock()
			assert.LessOrEqual(t, len(s.hist.ids), 7, "ids of evicted deliveries are forgotten")
			if tc.historyBytes > 0 {
				assert.LessOrEqual(t, s.hist.bytes, tc.historyBytes)
			}
			s.mu.Unlock()

			var list []Delivery
			w := serve(s, httptest.NewRequest("GET", "/history", nil))
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &list))
			require.Len(t, list, n)
			assert.Equal(t, int64(total), list[n-1].Seq)
			assert.Equal(t, int64(total-n+1), list[0].Seq)
			for i := range list {
				assert.Equal(t, list[0].Seq+int64(i), list[i].Seq, "oldest first, no gaps")
			}

			assert.Equal(t, http.StatusNotFound, serve(s, httptest.NewRequest("GET", fmt.Sprintf("/history/%d", total-n), nil)).Code)
			assert.Equal(t, http.StatusOK, serve(s, httptest.NewRequest("GET", fmt.Sprintf("/history/%d", total-n+1), nil)).Code)
			assert.Equal(t, http.StatusNotFound, serve(s, httptest.NewRequest("GET", fmt.Sprintf("/history/%d", total+1), nil)).Code)
		})
	}
}

func TestHistoryKeepsNewestOverByteLimit(t *testing.T) {
	t.Parallel()
	h := newHistory(10, 1)
	h.add(&Delivery{Body: "big"})
	h.add(&Delivery{Body: "bigger"})
	require.Equal(t, 1, h.len())
	assert.Equal(t, int64(2), h.get(2).d.Seq)
	assert.Nil(t, h.get(1))
}
