package capture

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPrintReportsAndCleans(t *testing.T) {
	t.Parallel()
	var log strings.Builder
	s := newTestServer(t, &Options{Log: &log, Authenticator: testVerifier(t)})
	r := signedRequest(t, "msg_\x1b[2Jx", `{"event":"a\u202eb"}`)
	r.Header.Set("X-Evil", "\x1b]0;pwned\x07")
	serve(s, r)
	serve(s, httptest.NewRequest("POST", "/webhook", strings.NewReader("raw \x1b[31mred\u202e")))

	out := log.String()
	assert.NotContains(t, out, "\x1b", "no escape sequences reach the terminal")
	assert.NotContains(t, out, "\u202e")
	assert.Contains(t, out, "#1 POST /webhook from 192.0.2.1:1234")
	assert.Contains(t, out, "type=a\uFFFDb valid -> 200", "the type is shown, cleaned")
	assert.Contains(t, out, "\"event\": \"a\\u202eb\"", "the pretty body, escapes as sent")
	assert.Contains(t, out, "invalid (webhook: missing signature header) -> 400")
	assert.NotContains(t, out, string(testSecret))
}

func TestPrintQuiet(t *testing.T) {
	t.Parallel()
	var log strings.Builder
	s := newTestServer(t, &Options{Log: &log, Quiet: true})
	serve(s, httptest.NewRequest("POST", "/webhook", strings.NewReader(`{"event":"a"}`)))
	assert.Equal(t, 1, strings.Count(log.String(), "\n"))
}

func TestAppendClean(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, newline, want string
	}{
		{"plain", "hello: world", "", "hello: world"},
		{"escape", "a\x1b[31mb", "", "a\uFFFD[31mb"},
		{"bell and C1", "a\x07b\u009bc", "", "a\uFFFDb\uFFFDc"},
		{"bidi override", "abc\u202edef", "", "abc\uFFFDdef"},
		{"not UTF-8", "a\xffb", "", "a\uFFFDb"},
		{"CRLF in a body", "one\r\ntwo", "\n  ", "one\n  two"},
		{"newline on one line", "one\ntwo", "", "one two"},
		{"tab and unicode", "\tñ ✓", "", "\tñ ✓"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, string(appendClean(nil, tc.in, tc.newline)))
		})
	}
}
