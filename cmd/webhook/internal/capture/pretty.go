package capture

import (
	"encoding/json"
	"strings"
)

// maxIndentDepth is the deepest nesting that gets its own indentation;
// deeper values are laid out at this depth. Indenting by the full depth
// makes the output grow with the square of the nesting: 19,980 bytes of
// brackets indent to 200 MB.
const maxIndentDepth = 32

// prettyLimit bounds the indented form of an n-byte body; a body whose
// indented form would be larger is shown raw only.
func prettyLimit(n int) int { return 4*n + 64<<10 }

// pretty returns body indented two spaces a level, as json.Indent would up
// to maxIndentDepth, when it is valid JSON and the indented form stays
// under prettyLimit; "" otherwise. Time and memory are linear in len(body).
func pretty(body []byte) string {
	if !looksLikeJSON(body) || !json.Valid(body) {
		return ""
	}
	n := indentedLen(body)
	if n < 0 {
		return ""
	}
	return indent(body, n)
}

// indentedLen returns the length of the indented form of body, which must
// be valid JSON, or -1 when it would be over prettyLimit. It allocates
// nothing, so the caller can decide whether to spend the memory.
func indentedLen(body []byte) int {
	var c counter
	if !walkIndent(&c, body, prettyLimit(len(body))) {
		return -1
	}
	return c.n
}

// indent returns the indented form of body, which must be valid JSON,
// whose length indentedLen found to be n.
func indent(body []byte, n int) string {
	var a appender
	a.b.Grow(n)
	walkIndent(&a, body, n)
	return a.b.String() // no copy: the n bytes reserved are all it takes
}

// sink receives the indented form of a body.
type sink interface {
	put(c byte)
	newline(depth int) // a newline and the indentation of depth
	len() int
}

type counter struct{ n int }

func (c *counter) put(byte)          { c.n++ }
func (c *counter) newline(depth int) { c.n += 1 + 2*min(depth, maxIndentDepth) }
func (c *counter) len() int          { return c.n }

type appender struct{ b strings.Builder }

func (a *appender) put(c byte) { a.b.WriteByte(c) }
func (a *appender) newline(depth int) {
	a.b.WriteByte('\n')
	for i := 0; i < min(depth, maxIndentDepth); i++ {
		a.b.WriteString("  ")
	}
}
func (a *appender) len() int { return a.b.Len() }

// walkIndent writes the indented form of body, valid JSON, to s; it stops
// and returns false as soon as s holds more than limit bytes.
func walkIndent[S sink](s S, body []byte, limit int) bool {
	depth := 0
	open := false // just after { or [: the newline waits to see if the value is empty
	inString, escaped := false, false
	for _, c := range body {
		if inString {
			s.put(c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '}', ']':
			depth--
			if !open {
				s.newline(depth)
			}
			open = false
			s.put(c)
		case ',':
			s.put(c)
			s.newline(depth)
		case ':':
			s.put(':')
			s.put(' ')
		default:
			if open {
				s.newline(depth)
				open = false
			}
			s.put(c)
			switch c {
			case '{', '[':
				depth++
				open = true
			case '"':
				inString = true
			}
		}
		if s.len() > limit {
			return false
		}
	}
	return true
}

// looksLikeJSON is a cheap first check: the first non-space byte of a JSON
// document is one of these.
func looksLikeJSON(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{', '[', '"', '-', 't', 'f', 'n', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			return true
		}
		return false
	}
	return false
}
