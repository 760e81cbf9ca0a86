package capture

import (
	"bytes"
	"context"
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
// the local answer.
func (s *Server) relay(r *http.Request, body []byte) *Forward {
	return send(r.Context(), s.client, r.Method, s.forward.String(), r.Header.Clone(), body)
}

// send makes one request with header (which it may change) and body, and
// reports the answer: its status, content type and first MaxForwardBody
// bytes.
func send(ctx context.Context, client *http.Client, method, target string, header http.Header, body []byte) *Forward {
	start := time.Now()
	f := &Forward{}
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if err != nil {
		f.Error = err.Error()
		return f
	}
	for _, h := range hopHeaders {
		header.Del(h)
	}
	header.Del("Content-Length") // set from the body
	req.Header = header
	resp, err := client.Do(req)
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
