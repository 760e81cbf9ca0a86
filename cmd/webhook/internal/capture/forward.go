package capture

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"time"
)

// hopHeaders are meaningful for one connection only and are not relayed.
var hopHeaders = []string{
	"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// maxDrain bounds how much of a local answer is read before closing it, so
// the connection can be reused.
const maxDrain = 64 << 10

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
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	resp.Body.Close()
	f.Status = resp.StatusCode
	return f
}
