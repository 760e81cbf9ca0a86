package capture

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTotalsCountEverythingSinceStart(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &Options{History: 2, Authenticator: testVerifier(t)})
	for i, body := range []string{`{"event":"a"}`, `{"event":"a"}`, `{"type":"b"}`, `plain`} {
		require.Equal(t, http.StatusOK, serve(s, signedRequest(t, fmt.Sprint("msg_", i), body)).Code)
	}
	tampered := signedRequest(t, "msg_x", `{"event":"a"}`)
	tampered.Body = nopCloser{bytesReader(`{"event":"c"}`)}
	serve(s, tampered)
	require.Equal(t, 2, s.Len(), "the history forgets; the totals do not")

	var got Totals
	w := serve(s, httptest.NewRequest(http.MethodGet, "/summary", nil))
	require.Equal(t, http.StatusOK, w.Code)
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
	assert.Equal(t, Totals{
		Deliveries: 5,
		Verdicts:   map[string]int64{VerdictValid: 4, VerdictInvalid: 1},
		Types:      map[string]int64{"a": 2, "b": 1, "c": 1, NoType: 1},
	}, got)
	assert.Equal(t, "5 deliveries: 4 valid, 1 invalid; a 2, (none) 1, b 1, c 1", got.String())
}

func TestTotalsBoundTheTypes(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	for i := 0; i < maxTotalTypes+50; i++ {
		serve(s, httptest.NewRequest(http.MethodPost, "/webhook", bytesReader(fmt.Sprintf(`{"event":"t%d"}`, i))))
	}
	got := s.Totals()
	assert.Len(t, got.Types, maxTotalTypes+1)
	assert.Equal(t, int64(50), got.Types[OtherTypes])
}

func TestSearch(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	for _, body := range []string{`{"event":"invoice.paid","data":{"customer":"ACME"}}`, `{"event":"invoice.voided"}`, "\xff\xfeACME"} {
		serve(s, httptest.NewRequest(http.MethodPost, "/webhook", bytesReader(body)))
	}
	tests := []struct {
		q    string
		want []int64
		code int
	}{
		{q: "acme", want: []int64{1}, code: http.StatusOK}, // not in the base64 of #3
		{q: "INVOICE", want: []int64{1, 2}, code: http.StatusOK},
		{q: "nothing", want: []int64{}, code: http.StatusOK},
		{q: "", code: http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.q, func(t *testing.T) {
			t.Parallel()
			w := serve(s, httptest.NewRequest(http.MethodGet, "/search?q="+tc.q, nil))
			require.Equal(t, tc.code, w.Code)
			if tc.code == http.StatusOK {
				var got []int64
				require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
				assert.Equal(t, tc.want, got)
			}
		})
	}
}
