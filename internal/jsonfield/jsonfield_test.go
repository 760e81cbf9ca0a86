package jsonfield

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
)

var typeNames = []string{"event", "type"}

func TestFind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		data   string
		names  []string
		want   string
		wantOK bool
	}{
		{"first field", `{"event":"a.b","data":{}}`, typeNames, "a.b", true},
		{"after nested values", `{"data":{"event":"no","x":[1,{"type":"no"}]},"s":"}\"{","event":"yes"}`, typeNames, "yes", true},
		{"second name", `{"type":"t"}`, typeNames, "t", true},
		{"first name wins over earlier second", `{"type":"t","event":"e"}`, typeNames, "e", true},
		{"second name when first absent", `{"type":"t","x":1}`, typeNames, "t", true},
		{"white space", " \n{ \"event\" :\t\"e\" }", typeNames, "e", true},
		{"escaped value", `{"event":"a\u002eb\n"}`, typeNames, "a.b\n", true},
		{"number value", `{"id":-12.5e3}`, []string{"id"}, "-12.5e3", true},
		{"first duplicate wins", `{"event":"1","event":"2"}`, typeNames, "1", true},
		{"literals skipped", `{"a":true,"b":null,"c":false,"event":"e"}`, typeNames, "e", true},
		{"non-scalar value ignored", `{"event":{"x":1},"type":"t"}`, typeNames, "t", true},
		{"null value ignored", `{"event":null}`, typeNames, "", false},
		{"absent", `{"data":1}`, typeNames, "", false},
		{"empty object", `{}`, typeNames, "", false},
		{"not an object", `["event","e"]`, typeNames, "", false},
		{"empty", ``, typeNames, "", false},
		{"truncated value", `{"event":"e`, typeNames, "", false},
		{"truncated after second name", `{"type":"t","x":`, typeNames, "t", true},
		{"control byte in string", "{\"event\":\"a\x01\"}", typeNames, "", false},
		{"escaped key does not match", `{"ev\u0065nt":"e"}`, typeNames, "", false},
		{"bad number", `{"id":1-2}`, []string{"id"}, "", false},
		{"no names", `{"event":"e"}`, nil, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := Find([]byte(tc.data), tc.names)
			assert.Equal(t, tc.wantOK, ok)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestFindAllocations(t *testing.T) {
	data := []byte(`{"data":{"a":[1,2,3]},"event":"payment.succeeded"}`)
	allocs := testing.AllocsPerRun(100, func() { Find(data, typeNames) })
	assert.LessOrEqual(t, allocs, 1.0, "only the returned string")
}

// FuzzFind checks Find against encoding/json on well-formed objects, and
// that it never panics on anything.
func FuzzFind(f *testing.F) {
	for _, s := range []string{
		`{"event":"a"}`, `{"type":1}`, `{"x":{"event":"n"},"type":"t"}`,
		`{"event":"\u0041"}`, `[1]`, `{"a":[{"b":"]"}],"event":"e"}`, `{"event":"e`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := Find(data, typeNames)
		if !json.Valid(data) || bytes.Count(data, []byte(`"event"`)) > 1 || bytes.Count(data, []byte(`"type"`)) > 1 {
			return
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(data, &m) != nil {
			return // valid JSON but not an object
		}
		want, wantOK := "", false
		for _, name := range typeNames {
			if v, ok := scalarOf(m[name]); ok {
				want, wantOK = v, true
				break
			}
		}
		if ok != wantOK || got != want {
			t.Fatalf("Find(%q) = %q, %v; encoding/json says %q, %v", data, got, ok, want, wantOK)
		}
	})
}

func scalarOf(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false
	}
	if raw[0] == '"' {
		var s string
		return s, json.Unmarshal(raw, &s) == nil
	}
	if raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9' {
		return string(raw), true
	}
	return "", false
}
