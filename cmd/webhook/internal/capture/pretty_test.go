package capture

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPrettyIndentsLikeEncodingJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
	}{
		{"object", `{"event":"invoice.paid","data":{"amount":42,"lines":[1,2,{"a":null}]}}`},
		{"empty containers", `{"a":{},"b":[],"c":[{}],"d":[[]]}`},
		{"strings with brackets and escapes", `["{[,:]}", "q\"uote\\", "\u00e9"]`},
		{"spaces", " { \"a\" :\t[ 1 ,\n2 ] } "},
		{"scalar", `"just a string"`},
		{"number", `-1.5e3`},
		{"nested to the indent bound", strings.Repeat("[", maxIndentDepth) + strings.Repeat("]", maxIndentDepth)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var want bytes.Buffer
			require.NoError(t, json.Indent(&want, bytes.TrimSpace([]byte(tc.body)), "", "  "))
			assert.Equal(t, want.String(), pretty([]byte(tc.body)))
		})
	}
}

func TestPrettyRefusesWhatIsNotJSON(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"", "plain", `{"a":`, `{"a":1}}`, "[1,2", "\xff"} {
		assert.Empty(t, pretty([]byte(body)), "%q", body)
	}
}

// TestPrettyIsLinearInTheNesting feeds the body that took listen to 1 GB:
// json.Indent's output grows with the square of the depth, pretty's with
// the size of the body, and past prettyLimit it gives up.
func TestPrettyIsLinearInTheNesting(t *testing.T) {
	t.Parallel()
	for _, depth := range []int{100, 1000, 9_990} {
		body := []byte(strings.Repeat("[", depth) + strings.Repeat("]", depth))
		p := pretty(body)
		assert.LessOrEqual(t, len(p), prettyLimit(len(body)), "depth %d", depth)
		if p != "" {
			var a, b any
			require.NoError(t, json.Unmarshal(body, &a))
			require.NoError(t, json.Unmarshal([]byte(p), &b))
			assert.Equal(t, a, b)
		}
	}
	// Deep but wide enough to stay under the bound: indentation stops
	// growing at maxIndentDepth.
	body := strings.Repeat(`{"k":`, 500) + `1` + strings.Repeat("}", 500)
	p := pretty([]byte(body))
	require.NotEmpty(t, p)
	for _, line := range strings.Split(p, "\n") {
		assert.LessOrEqual(t, len(line)-len(strings.TrimLeft(line, " ")), 2*maxIndentDepth)
	}
}

func TestEventType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header map[string]string
		body   string
		want   string
	}{
		{"native envelope", nil, `{"id":"m","event":"invoice.paid","data":{}}`, "invoice.paid"},
		{"standard webhooks", nil, `{"type":"user.created","timestamp":"x","data":{}}`, "user.created"},
		{"stripe", nil, `{"id":"evt_1","object":"event","type":"charge.succeeded"}`, "charge.succeeded"},
		{"github header", map[string]string{"X-GitHub-Event": "push"}, `{"ref":"main"}`, "push"},
		{"event wins over type", nil, `{"type":"b","event":"a"}`, "a"},
		{"after nested members", nil, `{"data":{"event":"no","x":["type"]},"n":1,"t":true,"s":"a\"b","type":"yes"}`, "yes"},
		{"escaped value", nil, `{"event":"a\u00e9\"b"}`, "aé\"b"},
		{"names as values", nil, `{"x":"event","y":"type"}`, ""},
		{"not a string", nil, `{"event":{"name":"x"},"type":7}`, ""},
		{"nested only", nil, `{"data":{"event":"x"}}`, ""},
		{"array", nil, `[{"event":"x"}]`, ""},
		{"not JSON", nil, `event=x`, ""},
		{"too long", nil, `{"event":"` + strings.Repeat("é", 150) + `"}`, strings.Repeat("é", maxTypeLen/2)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := make(http.Header)
			for k, v := range tc.header {
				h.Set(k, v)
			}
			assert.Equal(t, tc.want, eventType(h, []byte(tc.body), json.Valid([]byte(tc.body))))
		})
	}
}

// FuzzPretty checks the indenter and the type finder on any valid JSON:
// the indented form decodes to the same value, and the type is the one a
// decoder finds (for bodies without escapes, which the finder compares
// as written).
func FuzzPretty(f *testing.F) {
	f.Add([]byte(`{"event":"a","data":{"type":"b"}}`))
	f.Add([]byte(`{"type":"x","event":1,"event":"second"}`))
	f.Add([]byte(`[{"event":"x"}]`))
	f.Add([]byte(`{"a":[{},[],""],"type":"t"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if !json.Valid(body) {
			if pretty(body) != "" {
				t.Fatal("indented what is not JSON")
			}
			return
		}
		if p := pretty(body); p != "" && !sameJSON(body, []byte(p)) {
			t.Fatalf("indented form differs: %q", p)
		}
		if bytes.IndexByte(body, '\\') >= 0 {
			return
		}
		event, typ := topLevelStrings(body, `"event"`, `"type"`)
		wantEvent, wantType := firstStrings(body)
		if event != wantEvent || typ != wantType {
			t.Fatalf("got %q %q, want %q %q", event, typ, wantEvent, wantType)
		}
	})
}

// firstStrings is topLevelStrings by a decoder: the first non-empty
// string values of the "event" and "type" members of a top-level object.
func firstStrings(body []byte) (event, typ string) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "", ""
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return event, typ
		}
		var raw json.RawMessage
		if dec.Decode(&raw) != nil {
			return event, typ
		}
		key, _ := tok.(string)
		var s string
		if json.Unmarshal(raw, &s) == nil {
			switch {
			case key == "event" && event == "":
				event = s
			case key == "type" && typ == "":
				typ = s
			}
		}
	}
	return event, typ
}

// sameJSON reports whether a and b hold the same JSON value, numbers
// compared as written (1E700 does not fit a float64).
func sameJSON(a, b []byte) bool {
	decode := func(b []byte) (any, error) {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var v any
		return v, dec.Decode(&v)
	}
	va, errA := decode(a)
	vb, errB := decode(b)
	return errA == nil && errB == nil && reflect.DeepEqual(va, vb)
}
