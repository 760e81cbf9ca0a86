package capture

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzCapture sends arbitrary bodies and header values through capture: it
// must never panic, the history must stay valid JSON holding the body
// faithfully, and the terminal report must carry no control characters.
func FuzzCapture(f *testing.F) {
	f.Add([]byte(`{"event":"a","data":{"n":1}}`), "msg_1", "t=1,s=00")
	f.Add([]byte("\xff\xfe\x1b[2J"), "\x1b]0;x\x07", "")
	f.Add([]byte(`[1, 2, {"a": "\u001b"}]`), "", "t=1800000000,s="+strings.Repeat("a", 64))
	f.Add([]byte("plain\r\ntext\u202e"), "id\u2066", "garbage")
	f.Fuzz(func(t *testing.T, body []byte, id, sig string) {
		var log bytes.Buffer
		s, err := New(&Options{MaxBodyBytes: 256, Authenticator: testVerifier(t), Log: &log, AllowedHosts: []string{"example.com"}})
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
		if id != "" {
			r.Header["X-Webhook-Id"] = []string{id}
		}
		if sig != "" {
			r.Header["X-Webhook-Signature"] = []string{sig}
		}
		serve(s, r)

		w := serve(s, httptest.NewRequest(http.MethodGet, "/history/1", nil))
		var d Delivery
		if err := json.Unmarshal(w.Body.Bytes(), &d); err != nil {
			t.Fatalf("history entry is not JSON: %v", err)
		}
		kept := body
		if len(kept) > 256 {
			kept = kept[:256]
		}
		switch d.BodyEncoding {
		case EncodingBase64:
			got, err := base64.StdEncoding.DecodeString(d.Body)
			if err != nil || !bytes.Equal(got, kept) {
				t.Fatalf("base64 body does not round-trip")
			}
		case EncodingText:
			if d.Body != string(kept) {
				t.Fatalf("text body changed")
			}
		default:
			t.Fatalf("encoding %q", d.BodyEncoding)
		}
		if d.Pretty != "" && !sameJSON(kept, []byte(d.Pretty)) {
			t.Fatalf("indented JSON body differs from the original")
		}
		if d.Verdict != VerdictInvalid && d.Verdict != VerdictValid {
			t.Fatalf("verdict %q with a secret", d.Verdict)
		}
		for _, r := range log.String() {
			if isControl(r) {
				t.Fatalf("control character %U printed", r)
			}
		}
	})
}
