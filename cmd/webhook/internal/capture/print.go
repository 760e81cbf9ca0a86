package capture

import (
	"sort"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// maxPrintedBody bounds the body printed to the terminal; the history and
// the page hold the whole of it.
const maxPrintedBody = 8 << 10

// maxPrintedAnswer bounds the local answer printed on the forward line.
const maxPrintedAnswer = 200

const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// print writes the report of d to opts.Log in one write. Everything a
// sender controls passes through appendClean, so a delivery cannot send
// escape sequences to the terminal.
func (s *Server) print(d *Delivery) {
	if s.opts.Log == nil {
		return
	}
	b := make([]byte, 0, 256+len(d.Body))
	b = d.Time.AppendFormat(b, timeLayout)
	b = append(b, " #"...)
	b = strconv.AppendInt(b, d.Seq, 10)
	b = append(b, ' ')
	b = appendClean(b, d.Method, "")
	b = append(b, ' ')
	b = appendClean(b, d.Path, "")
	b = append(b, " from "...)
	b = appendClean(b, d.Source, "")
	if d.ID != "" {
		b = append(b, " id="...)
		b = appendClean(b, d.ID, "")
	}
	if d.Type != "" {
		b = append(b, " type="...)
		b = appendClean(b, d.Type, "")
	}
	b = append(b, ' ')
	b = append(b, d.Verdict...)
	if d.Reason != "" {
		b = append(b, " ("...)
		b = appendClean(b, d.Reason, "")
		b = append(b, ')')
	}
	if d.DuplicateOf != 0 {
		b = append(b, " duplicate of #"...)
		b = strconv.AppendInt(b, d.DuplicateOf, 10)
	}
	b = append(b, " -> "...)
	b = strconv.AppendInt(b, int64(d.Status), 10)
	b = append(b, '\n')
	if f := d.Forward; f != nil {
		if f.Status == 0 {
			b = append(b, "  forward failed after "...)
			b = strconv.AppendFloat(b, f.DurationMS, 'f', 1, 64)
			b = append(b, "ms: "...)
			b = appendClean(b, f.Error, "")
		} else {
			b = append(b, "  forwarded: local status "...)
			b = strconv.AppendInt(b, int64(f.Status), 10)
			b = append(b, " in "...)
			b = strconv.AppendFloat(b, f.DurationMS, 'f', 1, 64)
			b = append(b, "ms"...)
			if f.Body != "" {
				b = append(b, ": "...)
				b = appendClean(b, clip(f.Body, maxPrintedAnswer), "")
				if len(f.Body) > maxPrintedAnswer || f.Truncated {
					b = append(b, "..."...)
				}
			}
		}
		b = append(b, '\n')
	}
	if !s.opts.Quiet {
		b = appendDetail(b, d)
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	_, _ = s.opts.Log.Write(b)
}

// appendDetail appends the headers, sorted, and the start of the body.
func appendDetail(b []byte, d *Delivery) []byte {
	keys := make([]string, 0, len(d.Header))
	for k := range d.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range d.Header[k] {
			b = append(b, "  "...)
			b = appendClean(b, k, "")
			b = append(b, ": "...)
			b = appendClean(b, v, "")
			b = append(b, '\n')
		}
	}
	body, more := d.Body, 0
	if d.Pretty != "" {
		body = d.Pretty
	}
	if len(body) > maxPrintedBody {
		more = len(body) - maxPrintedBody
		body = body[:maxPrintedBody]
	}
	if body != "" {
		b = append(b, "\n  "...)
		b = appendClean(b, body, "\n  ")
		b = append(b, '\n')
	}
	if more > 0 {
		b = append(b, "  ... "...)
		b = strconv.AppendInt(b, int64(more), 10)
		b = append(b, " more bytes (see /history/"...)
		b = strconv.AppendInt(b, d.Seq, 10)
		b = append(b, ")\n"...)
	}
	if d.BodyEncoding == EncodingBase64 {
		b = append(b, "  (body is not UTF-8; shown in base64)\n"...)
	}
	return append(b, '\n')
}

// appendClean appends s so that text from a sender cannot drive the
// terminal: a newline becomes newline (a space when newline is empty), a
// carriage return is dropped, a tab is kept, and other control characters
// and bytes that are not UTF-8 become U+FFFD.
func appendClean(b []byte, s, newline string) []byte {
	if newline == "" {
		newline = " "
	}
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		var repl string
		switch {
		case r == '\t':
			i += size
			continue
		case r == '\n':
			repl = newline
		case r == '\r':
			repl = ""
		case r == utf8.RuneError && size == 1, isControl(r):
			repl = "\uFFFD"
		default:
			i += size
			continue
		}
		b = append(b, s[start:i]...)
		b = append(b, repl...)
		i += size
		start = i
	}
	return append(b, s[start:]...)
}

func isControl(r rune) bool {
	return r != '\n' && r != '\t' && (unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r))
}

func appendInt(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) }
