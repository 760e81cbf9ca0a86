package capture

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/signedhooks/webhook"
)

// capture records one delivery and answers the sender.
func (s *Server) capture(w http.ResponseWriter, r *http.Request) {
	d := &Delivery{
		Time:   s.opts.Now(),
		Method: r.Method,
		Path:   r.URL.RequestURI(),
		Source: r.RemoteAddr,
		Header: r.Header.Clone(),
		ID:     messageID(r.Header),
		Status: http.StatusOK,
	}
	// The header has its own timeout (http.Server.ReadHeaderTimeout); the
	// body must arrive within BodyTimeout, so stalled senders cannot pin
	// connections and goroutines.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.opts.BodyTimeout))
	var held budget
	defer s.release(&held)
	body, err := s.readBody(r.Body, s.opts.MaxBodyBytes, &held)
	d.Size = len(body)
	if int64(len(body)) > s.opts.MaxBodyBytes {
		body = body[:s.opts.MaxBodyBytes]
		d.Truncated = true
	}
	if errors.Is(err, errBusy) {
		d.BodyEncoding = EncodingText // the part read is not kept
	} else {
		s.hold(&held, int64(len(body))) // the copy kept; read, so not refused
		d.setBody(body, func(n int64) bool { return s.reserve(&held, n) })
	}
	switch {
	case errors.Is(err, errBusy):
		d.Verdict, d.Reason, d.Status = VerdictInvalid, err.Error(), http.StatusServiceUnavailable
		w.Header().Set("Retry-After", "1")
		// Answer now and close, rather than let net/http read the rest
		// of the body first.
		w.Header().Set("Connection", "close")
		_ = http.NewResponseController(w).EnableFullDuplex()
	case err != nil:
		d.Verdict, d.Reason, d.Status = VerdictInvalid, "reading body: "+err.Error(), http.StatusBadRequest
	case d.Truncated:
		d.Verdict, d.Reason, d.Status = VerdictInvalid, webhook.ErrBodyTooLarge.Error(), http.StatusRequestEntityTooLarge
	case s.opts.Authenticator != nil:
		s.verify(d, r, body)
	default:
		d.Verdict = VerdictUnchecked
	}

	if s.forward != nil && d.Verdict != VerdictInvalid {
		d.Forward = s.relay(r, body)
		d.Status = d.Forward.Status
		if d.Forward.Status == 0 {
			d.Status = http.StatusBadGateway
		}
	}

	e := s.record(d)
	s.print(d)
	respond(w, e.d)
}

// verify sets the verdict of d, and its id and type when the scheme
// carries them in headers. The reason is recorded and printed but never
// sent back to the sender.
func (s *Server) verify(d *Delivery, r *http.Request, body []byte) {
	a, err := s.opts.Authenticator.Authenticate(r, body)
	switch {
	case err == nil:
		d.Verdict = VerdictValid
		if a.ID != "" {
			d.ID = a.ID
		}
		if a.Type != "" {
			d.Type = clip(a.Type, maxTypeLen)
		}
	case errors.Is(err, webhook.ErrMissingSignature), errors.Is(err, webhook.ErrInvalidHeader):
		d.Verdict, d.Reason, d.Status = VerdictInvalid, err.Error(), http.StatusBadRequest
	default:
		d.Verdict, d.Reason, d.Status = VerdictInvalid, err.Error(), http.StatusUnauthorized
	}
}

// idHeaders carry the message id in the schemes listen speaks: this
// module's, Standard Webhooks (and its older svix names) and GitHub.
var idHeaders = []string{webhook.IDHeader, "Webhook-Id", "Svix-Id", "X-Github-Delivery"}

// messageID returns the first message id header of h, or "".
func messageID(h http.Header) string {
	for _, k := range idHeaders {
		if v := h.Get(k); v != "" {
			return v
		}
	}
	return ""
}

// record adds d to the history and hands it to every live page.
func (s *Server) record(d *Delivery) *entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.hist.add(d)
	s.count(d)
	if len(s.clients) > 0 {
		s.publish(e)
	}
	return e
}

// respond answers the sender: with the local endpoint's answer when the
// delivery was relayed and answered, else with a small JSON body, the
// status and the delivery number, never the verification reason.
func respond(w http.ResponseWriter, d *Delivery) {
	h := w.Header()
	if f := d.Forward; f != nil && f.Status != 0 {
		if f.ContentType != "" {
			h["Content-Type"] = []string{f.ContentType}
		}
		h["Content-Length"] = []string{strconv.Itoa(len(f.raw))}
		h["X-Content-Type-Options"] = []string{"nosniff"}
		w.WriteHeader(f.Status)
		_, _ = w.Write(f.raw)
		return
	}
	var b []byte
	switch d.Status {
	case http.StatusBadRequest:
		b = []byte(`{"error":"bad request"}`)
	case http.StatusUnauthorized:
		b = []byte(`{"error":"unauthorized"}`)
	case http.StatusServiceUnavailable:
		b = []byte(`{"error":"busy"}`)
	case http.StatusRequestEntityTooLarge:
		b = []byte(`{"error":"body too large"}`)
	default:
		b = make([]byte, 0, 48)
		b = append(b, `{"status":"captured","seq":`...)
		b = strconv.AppendInt(b, d.Seq, 10)
		b = append(b, '}')
	}
	h["Content-Type"] = []string{"application/json"}
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	w.WriteHeader(d.Status)
	_, _ = w.Write(b)
}

// errBusy is the reason recorded for a delivery refused because other
// bodies being read hold the whole in-flight budget.
var errBusy = errors.New("busy: other bodies being read hold the memory budget (MaxInFlightBytes); answered 503")

// minRead is the buffer a body is first read into; it doubles as needed.
const minRead = 512

// budget is what one delivery holds of MaxInFlightBytes.
type budget int64

// reserve adds n bytes to b if the in-flight total stays within
// MaxInFlightBytes, and reports whether it did.
func (s *Server) reserve(b *budget, n int64) bool {
	if s.inflight.Add(n) > s.opts.MaxInFlightBytes {
		s.inflight.Add(-n)
		return false
	}
	*b += budget(n)
	return true
}

// hold adds n bytes to b whatever the total: for memory already spent.
func (s *Server) hold(b *budget, n int64) {
	s.inflight.Add(n)
	*b += budget(n)
}

// release gives back all b holds.
func (s *Server) release(b *budget) {
	s.inflight.Add(-int64(*b))
	*b = 0
}

// readBody reads at most limit+1 bytes of body, so the caller can tell a
// body over the limit. Every buffer it allocates is reserved in held, so
// the bodies being read at once cannot take more memory than
// MaxInFlightBytes: past it, it stops with errBusy. A sender's declared
// Content-Length is not trusted for the first buffer: a slow sender holds
// only about what it has sent.
func (s *Server) readBody(body io.Reader, limit int64, held *budget) ([]byte, error) {
	if body == nil || body == http.NoBody {
		return nil, nil
	}
	lr := io.LimitReader(body, limit+1)
	var b []byte
	for {
		if len(b) == cap(b) {
			grow := int64(max(minRead, 2*cap(b)))
			if !s.reserve(held, grow) {
				return b, errBusy
			}
			nb := make([]byte, len(b), grow)
			copy(nb, b)
			b = nb
		}
		n, err := lr.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}
