package capture

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"time"
	"unicode/utf8"
)

// hopHeaders are meaningful for one connection only and are not relayed.
var hopHeaders = []string{
	"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// MaxForwardBody bounds how much of a local answer is kept, shown and
// returned to the sender.
const MaxForwardBody = 64 << 10

// relay sends r's method, headers and body to the forward URL and reports
// the local status.
func (s *Server) relay(r *http.Request, body []byte) *Forward {
	start := time.Now()
	f := &Forward{}
	req, err := http.NewRequestWithContext(r.Context(), r.Method, s.forward.String(), bytes.NewReader(body))
	if err != nil {
		f.Error = err.Error()
		return f
	}
	req.Header = r.Header.Clone()
	for _, h := range hopHeaders {
		req.Header.Del(h)
	}
	resp, err := s.opts.ForwardClient.Do(req)
	f.DurationMS = float64(time.Since(start).Microseconds()) / 1000
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is the user's own and already known
		}
		f.Error = err.Error()
		return f
	}
	defer resp.Body.Close()
	f.Status = resp.StatusCode
	f.ContentType = clip(resp.Header.Get("Content-Type"), maxTypeLen)
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxForwardBody+1))
	if len(b) > MaxForwardBody {
		b, f.Truncated = b[:MaxForwardBody], true
	}
	if err != nil {
		f.Error = "answer cut short: " + err.Error()
	}
	f.raw = b
	if utf8.Valid(b) {
		f.BodyEncoding, f.Body = EncodingText, string(b)
	} else {
		f.BodyEncoding, f.Body = EncodingBase64, base64.StdEncoding.EncodeToString(b)
	}
	return f
}
