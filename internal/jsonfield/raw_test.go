package jsonfield

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRaw(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		data   string
		want   string
		wantOK bool
	}{
		{"object", `{"event":"a","data":{"x":[1,{"y":"}"}]}}`, `{"x":[1,{"y":"}"}]}`, true},
		{"first field", `{"data":[1,2],"event":"a"}`, `[1,2]`, true},
		{"string", `{"data":"s\"x"}`, `"s\"x"`, true},
		{"number", `{"data":-1.5e3}`, `-1.5e3`, true},
		{"null", `{"data":null}`, `null`, true},
		{"white space", "{ \"data\" :\t{ } }", `{ }`, true},
		{"nested data is not top level", `{"x":{"data":1}}`, "", false},
		{"first duplicate wins", `{"data":1,"data":2}`, `1`, true},
		{"absent", `{"event":"a"}`, "", false},
		{"empty object", `{}`, "", false},
		{"not an object", `[{"data":1}]`, "", false},
		{"truncated", `{"data":{"x":1`, "", false},
		{"truncated before", `{"event":"a`, "", false},
		{"escaped key does not match", `{"d\u0061ta":1}`, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := Raw([]byte(tc.data), "data")
			assert.Equal(t, tc.wantOK, ok)
			assert.Equal(t, tc.want, string(got))
		})
	}
}

func TestRawAllocations(t *testing.T) {
	data := []byte(`{"id":"m","event":"payment.succeeded","data":{"a":[1,2,3]}}`)
	allocs := testing.AllocsPerRun(100, func() { Raw(data, "data") })
	assert.Zero(t, allocs)
}

// FuzzRaw checks that Raw never panics and that what it returns for a
// valid document is the field's value as encoding/json sees it (first
// duplicate aside, which encoding/json resolves the other way).
func FuzzRaw(f *testing.F) {
	for _, s := range []string{`{"data":{"a":1}}`, `{"x":[{"data":2}],"data":"s"}`, `{"data":`, `{}`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		raw, ok := Raw(data, "data")
		if !ok || !json.Valid(data) {
			return
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(data, &m) != nil {
			return
		}
		if n := countTopLevel(t, data, "data"); n != 1 {
			return
		}
		assert.JSONEq(t, string(m["data"]), string(raw))
	})
}

// countTopLevel counts the top-level fields of the object data named name.
func countTopLevel(t *testing.T, data []byte, name string) int {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return 0
	}
	n := 0
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return 0
		}
		if tok == name {
			n++
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return 0
		}
	}
	return n
}
