package capture

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// maxPrintedBody bounds the body printed to the terminal; the history and
// the page hold the whole of it.
const maxPrintedBody = 8 << 10

// print writes the report of d to opts.Log. Everything a sender controls is
// passed through clean, so a delivery cannot send escape sequences to the
// terminal.
func (s *Server) print(d *Delivery) {
	if s.opts.Log == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s #%d %s %s from %s", d.Time.Format("2006-01-02T15:04:05.000Z07:00"), d.Seq,
		clean(d.Method), clean(d.Path), clean(d.Source))
	if d.ID != "" {
		fmt.Fprintf(&b, " id=%s", clean(d.ID))
	}
	fmt.Fprintf(&b, " %s", d.Verdict)
	if d.Reason != "" {
		fmt.Fprintf(&b, " (%s)", clean(d.Reason))
	}
	if d.DuplicateOf != 0 {
		fmt.Fprintf(&b, " duplicate of #%d", d.DuplicateOf)
	}
	fmt.Fprintf(&b, " -> %d\n", d.Status)
	if f := d.Forward; f != nil {
		if f.Error != "" {
			fmt.Fprintf(&b, "  forward failed after %.1fms: %s\n", f.DurationMS, clean(f.Error))
		} else {
			fmt.Fprintf(&b, "  forwarded: local status %d in %.1fms\n", f.Status, f.DurationMS)
		}
	}
	if !s.opts.Quiet {
		keys := make([]string, 0, len(d.Header))
		for k := range d.Header {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, v := range d.Header[k] {
				fmt.Fprintf(&b, "  %s: %s\n", clean(k), clean(v))
			}
		}
		body := d.Body
		more := 0
		if len(body) > maxPrintedBody {
			more = len(body) - maxPrintedBody
			body = body[:maxPrintedBody]
		}
		if body != "" {
			b.WriteString("\n  ")
			b.WriteString(strings.ReplaceAll(clean(body), "\n", "\n  "))
			b.WriteByte('\n')
		}
		if more > 0 {
			fmt.Fprintf(&b, "  ... %d more bytes (see /history/%d)\n", more, d.Seq)
		}
		if d.BodyEncoding == EncodingBase64 {
			b.WriteString("  (body is not UTF-8; shown in base64)\n")
		}
		b.WriteByte('\n')
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	_, _ = s.opts.Log.Write([]byte(b.String()))
}

// clean replaces control characters other than newline and tab, so text
// from a sender cannot drive the terminal.
func clean(s string) string {
	ok := true
	for _, r := range s {
		if isControl(r) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return unicode.ReplacementChar
		}
		return r
	}, s)
}

func isControl(r rune) bool {
	return r != '\n' && r != '\t' && (unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r))
}
