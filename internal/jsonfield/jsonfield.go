// Package jsonfield reads top-level fields of a JSON object without decoding
// the whole document.
//
// It is written for the webhook hot path: it scans only as far as it must,
// never recurses (nested values are skipped by counting brackets, eight
// bytes at a time), and allocates only for the value it returns.
package jsonfield

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// Find returns the value of the top-level field of the JSON object data
// whose name comes first in names, when that value is a string or a number
// (a number as written). A field whose name is names[0] ends the scan at
// once. Of duplicate fields the first is used. It reports false when no such
// field exists or data is not a well-formed JSON object up to where the scan
// stopped; it does not validate the rest.
func Find(data []byte, names []string) (string, bool) {
	s := scanner{data: data}
	s.ws()
	if !s.eat('{') {
		return "", false
	}
	best, bestRank := "", len(names)
	s.ws()
	if s.eat('}') {
		return "", false
	}
	for {
		s.ws()
		key, ok := s.str()
		if !ok {
			return best, bestRank < len(names)
		}
		s.ws()
		if !s.eat(':') {
			return best, bestRank < len(names)
		}
		s.ws()
		rank := rankOf(key, names)
		if rank < bestRank && s.pos < len(s.data) && (s.data[s.pos] == '"' || isNumStart(s.data[s.pos])) {
			v, ok := s.scalar()
			if !ok {
				return best, bestRank < len(names)
			}
			best, bestRank = v, rank
			if rank == 0 {
				return best, true
			}
		} else if !s.skip() {
			return best, bestRank < len(names)
		}
		s.ws()
		if !s.eat(',') {
			return best, bestRank < len(names)
		}
	}
}

// rankOf returns the index of key (raw, still escaped) in names, or
// len(names). An escaped key never matches.
func rankOf(key []byte, names []string) int {
	for i, n := range names {
		if string(key) == n {
			return i
		}
	}
	return len(names)
}

type scanner struct {
	data []byte
	pos  int
}

func (s *scanner) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

func (s *scanner) eat(c byte) bool {
	if s.pos < len(s.data) && s.data[s.pos] == c {
		s.pos++
		return true
	}
	return false
}

// str reads a string and returns its raw contents, between the quotes.
func (s *scanner) str() ([]byte, bool) {
	if !s.eat('"') {
		return nil, false
	}
	start := s.pos
	for {
		i := strEnd(s.data, s.pos)
		if i >= len(s.data) {
			return nil, false
		}
		switch s.data[i] {
		case '"':
			s.pos = i + 1
			return s.data[start:i], true
		case '\\':
			s.pos = i + 2
		default: // a control byte
			return nil, false
		}
	}
}

// scalar reads a string (unescaped, invalid UTF-8 replaced by U+FFFD as
// encoding/json does) or a number (as written).
func (s *scanner) scalar() (string, bool) {
	if s.data[s.pos] == '"' {
		start := s.pos
		raw, ok := s.str()
		if !ok {
			return "", false
		}
		if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
			return string(raw), true
		}
		var v string
		if json.Unmarshal(s.data[start:s.pos], &v) != nil {
			return "", false
		}
		return v, true
	}
	start := s.pos
	for s.pos < len(s.data) && isNumByte(s.data[s.pos]) {
		s.pos++
	}
	if !json.Valid(s.data[start:s.pos]) {
		return "", false
	}
	return string(s.data[start:s.pos]), true
}

// skip skips one value of any kind.
func (s *scanner) skip() bool {
	if s.pos >= len(s.data) {
		return false
	}
	switch c := s.data[s.pos]; {
	case c == '"':
		_, ok := s.str()
		return ok
	case c == '{' || c == '[':
		end, ok := skipNested(s.data, s.pos)
		s.pos = end
		return ok
	default: // number, true, false, null
		start := s.pos
		for s.pos < len(s.data) && (isNumByte(c) || c >= 'a' && c <= 'z') {
			s.pos++
			if s.pos < len(s.data) {
				c = s.data[s.pos]
			}
		}
		return s.pos > start
	}
}

func isNumStart(c byte) bool { return c == '-' || c >= '0' && c <= '9' }

func isNumByte(c byte) bool {
	return isNumStart(c) || c == '.' || c == 'e' || c == 'E' || c == '+'
}

// Raw returns the value of the first top-level field of the JSON object
// data named name, of any kind, as written (a sub-slice of data, not a
// copy). It reports false when there is no such field or data is not a
// well-formed JSON object up to where the scan stopped. It does not
// validate the value it returns beyond finding its end: decode it with
// encoding/json, which does.
func Raw(data []byte, name string) ([]byte, bool) {
	s := scanner{data: data}
	s.ws()
	if !s.eat('{') {
		return nil, false
	}
	s.ws()
	if s.eat('}') {
		return nil, false
	}
	for {
		s.ws()
		key, ok := s.str()
		if !ok {
			return nil, false
		}
		s.ws()
		if !s.eat(':') {
			return nil, false
		}
		s.ws()
		start := s.pos
		if !s.skip() {
			return nil, false
		}
		if string(key) == name {
			return data[start:s.pos], true
		}
		s.ws()
		if !s.eat(',') {
			return nil, false
		}
	}
}
