package stripesig

import "unicode/utf8"

// eventFields returns the top-level string fields "id" and "type" of the JSON
// object in body, or "" for a field that is absent, not a string, or holds an
// escape sequence or invalid UTF-8 (Stripe ids and types never do). It scans without decoding
// into values, does not recurse, and stops as soon as both are found; on
// malformed JSON it returns what it found so far. The body has been
// authenticated before this runs, but the scan is safe on any input.
func eventFields(body []byte) (id, typ string) {
	i := skipWS(body, 0)
	if i >= len(body) || body[i] != '{' {
		return "", ""
	}
	i++
	var haveID, haveType bool
	for !(haveID && haveType) {
		i = skipWS(body, i)
		if i >= len(body) || body[i] != '"' {
			return id, typ
		}
		ks, ke, ok := scanString(body, i)
		if !ok {
			return id, typ
		}
		key := body[ks:ke]
		i = skipWS(body, ke+1)
		if i >= len(body) || body[i] != ':' {
			return id, typ
		}
		i = skipWS(body, i+1)
		if i >= len(body) {
			return id, typ
		}
		isID, isType := string(key) == "id" && !haveID, string(key) == "type" && !haveType
		if (isID || isType) && body[i] == '"' {
			vs, ve, ok := scanString(body, i)
			if !ok {
				return id, typ
			}
			if v := body[vs:ve]; !hasByte(v, '\\') && utf8.Valid(v) {
				if isID {
					id = string(body[vs:ve])
				} else {
					typ = string(body[vs:ve])
				}
			}
			haveID, haveType = haveID || isID, haveType || isType
			i = ve + 1
		} else if i, ok = skipValue(body, i); !ok {
			return id, typ
		}
		i = skipWS(body, i)
		if i >= len(body) || body[i] != ',' {
			return id, typ
		}
		i++
	}
	return id, typ
}

// scanString returns the bounds of the contents of the string starting with
// the quote at body[i]: body[start:end], with body[end] the closing quote.
func scanString(body []byte, i int) (start, end int, ok bool) {
	for j := i + 1; j < len(body); j++ {
		switch body[j] {
		case '\\':
			j++
		case '"':
			return i + 1, j, true
		}
	}
	return 0, 0, false
}

// skipValue returns the index just past the JSON value starting at body[i].
// Objects and arrays are skipped by counting brackets outside strings.
func skipValue(body []byte, i int) (int, bool) {
	switch body[i] {
	case '"':
		_, end, ok := scanString(body, i)
		return end + 1, ok
	case '{', '[':
		depth := 0
		for ; i < len(body); i++ {
			switch body[i] {
			case '"':
				_, end, ok := scanString(body, i)
				if !ok {
					return 0, false
				}
				i = end
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, true
				}
			}
		}
		return 0, false
	default: // number, true, false, null
		for ; i < len(body); i++ {
			switch body[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i, true
			}
		}
		return i, true
	}
}

func skipWS(body []byte, i int) int {
	for i < len(body) && (body[i] == ' ' || body[i] == '\t' || body[i] == '\n' || body[i] == '\r') {
		i++
	}
	return i
}

func hasByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}
