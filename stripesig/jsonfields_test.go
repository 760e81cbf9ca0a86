package stripesig

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestEventFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, id, typ string
	}{
		{"stripe event", `{"id":"evt_1","object":"event","type":"charge.succeeded"}`, "evt_1", "charge.succeeded"},
		{"nested id and type are not top-level", `{"data":{"id":"pi_1","type":"x","a":[{"id":"y"}]},"type":"t","id":"evt_2"}`, "evt_2", "t"},
		{"whitespace everywhere", " \n{ \"id\" : \"evt_3\" ,\r\n\t\"type\"\t:\"a.b\" } ", "evt_3", "a.b"},
		{"strings with brackets and escapes are skipped", `{"x":"}{][\"","y":["\\",{"z":"]"}],"id":"evt_4","type":"t"}`, "evt_4", "t"},
		{"escaped value is not used", `{"id":"evt_\u0035","type":"t"}`, "", "t"},
		{"escaped key is not matched", `{"\u0069d":"evt_6","type":"t"}`, "", "t"},
		{"non-string id", `{"id":5,"type":"t"}`, "", "t"},
		{"numbers and literals", `{"a":-1.5e3,"b":true,"c":null,"id":"evt_7"}`, "evt_7", ""},
		{"first occurrence wins", `{"id":"evt_8","id":"evt_9","type":"t"}`, "evt_8", "t"},
		{"not an object", `["id","evt_1"]`, "", ""},
		{"empty", ``, "", ""},
		{"empty object", `{}`, "", ""},
		{"truncated after key", `{"id"`, "", ""},
		{"truncated inside value", `{"type":"t","id":"evt_`, "", "t"},
		{"truncated inside nested object", `{"a":{"b":[1,2`, "", ""},
		{"missing colon", `{"id" "evt_1"}`, "", ""},
		{"garbage after value", `{"id":"evt_1" x "type":"t"}`, "evt_1", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			id, typ := eventFields([]byte(tc.body))
			assert.Equal(t, tc.id, id, "id")
			assert.Equal(t, tc.typ, typ, "type")
		})
	}
}

// FuzzEventFields checks that the scan never panics on any input and, on
// any JSON object re-encoded by encoding/json (so without duplicate keys),
// agrees with encoding/json wherever the value is a string without escapes.
func FuzzEventFields(f *testing.F) {
	f.Add([]byte(`{"id":"evt_1","type":"charge.succeeded","data":{"object":{"id":"ch_1"}}}`))
	f.Add([]byte(`{"x":"}{][\"","y":["\\",{"z":"]"}],"id":"evt_4","type":"t"}`))
	f.Add([]byte(`{"a":[[[[{}]]]],"type":"","id":""}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		eventFields(body)
		var ev map[string]json.RawMessage
		if json.Unmarshal(body, &ev) != nil {
			return
		}
		canon, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		var cev map[string]json.RawMessage
		if err := json.Unmarshal(canon, &cev); err != nil {
			t.Fatal(err)
		}
		id, typ := eventFields(canon)
		for name, got := range map[string]string{"id": id, "type": typ} {
			var want string
			raw, ok := cev[name]
			if ok && json.Unmarshal(raw, &want) == nil && (hasByte(raw, '\\') || !utf8.Valid(raw)) {
				want = ""
			}
			if got != want {
				t.Fatalf("%s: got %q, encoding/json says %q in %s", name, got, want, canon)
			}
		}
	})
}
