package capture

import "encoding/json"

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
	return indent(body)
}

// indent is pretty for a body known to be valid JSON.
func indent(body []byte) string {
	limit := prettyLimit(len(body))
	out := make([]byte, 0, len(body)+len(body)/2)
	depth := 0
	open := false // just after { or [: the newline waits to see if the value is empty
	newline := func() {
		out = append(out, '\n')
		for i := 0; i < min(depth, maxIndentDepth); i++ {
			out = append(out, ' ', ' ')
		}
	}
	inString, escaped := false, false
	for _, c := range body {
		if inString {
			out = append(out, c)
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
				newline()
			}
			open = false
			out = append(out, c)
		case ',':
			out = append(out, c)
			newline()
		case ':':
			out = append(out, ':', ' ')
		default:
			if open {
				newline()
				open = false
			}
			out = append(out, c)
			switch c {
			case '{', '[':
				depth++
				open = true
			case '"':
				inString = true
			}
		}
		if len(out) > limit {
			return ""
		}
	}
	return string(out)
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
