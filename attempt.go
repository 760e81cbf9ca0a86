package webhook

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// AttemptInfo tells a transport wrapper (see [SenderOptions.WrapTransport])
// which attempt a request belongs to. It holds nothing secret and no
// payload.
type AttemptInfo struct {
	// MessageID and Type are the message's.
	MessageID string
	Type      string

	// URL is the destination, redacted as in [AttemptReport.URL].
	URL string

	// Number counts the message's attempts from 1.
	Number int

	// Reported says that the Sender passes this attempt's [AttemptReport]
	// to [SenderOptions.OnAttempt] when it ends: true in [Sender.Send] with
	// OnAttempt set, false in [Sender.Attempt].
	Reported bool
}

// attemptKey is the context key of an [AttemptInfo].
type attemptKey struct{}

// attemptContext carries an attempt's [AttemptInfo]: one allocation where
// context.WithValue of a pointer would make two.
type attemptContext struct {
	context.Context
	info AttemptInfo
}

// Value returns the attempt's info for attemptKey, and asks the parent
// otherwise.
func (c *attemptContext) Value(key any) any {
	if key == (attemptKey{}) {
		return &c.info
	}
	return c.Context.Value(key)
}

// AttemptFromContext returns the attempt a request is part of, given the
// request's context, when the request is being sent by a [Sender] with a
// WrapTransport; ok is false otherwise.
func AttemptFromContext(ctx context.Context) (info AttemptInfo, ok bool) {
	p, ok := ctx.Value(attemptKey{}).(*AttemptInfo)
	if !ok {
		return AttemptInfo{}, false
	}
	return *p, true
}

// attempt makes one signed request, after waiting for the endpoint's rate
// limiter. It signs with a timestamp at least one second after prev (when
// not zero) and returns that timestamp. reported says whether the caller
// passes the report to OnAttempt. Its error is not nil only when ctx ended
// during the wait; every other failure is in the report.
func (s *Sender) attempt(ctx context.Context, dest *target, msg *Message, body []byte, n int, prev time.Time, reported bool) (AttemptReport, time.Time, error) {
	a := AttemptReport{MessageID: msg.ID, Type: msg.Type, URL: dest.redacted, Number: n}
	if s.limits != nil {
		if d, undo := s.limits.reserve(dest.raw, s.now()); d > 0 {
			if err := s.sleep(ctx, d); err != nil {
				undo()
				return a, time.Time{}, err
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return a, time.Time{}, err
	}

	actx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if s.wrapped {
		// Only with a wrapper: without one, nobody could read it, and an
		// attempt without it allocates less.
		actx = &attemptContext{actx, AttemptInfo{
			MessageID: msg.ID, Type: msg.Type, URL: dest.redacted, Number: n, Reported: reported,
		}}
	}
	req := dest.tmpl.WithContext(actx)
	req.Header = make(http.Header, 8)
	// One allocation holds the header values and the body's reader.
	sc := new(attemptScratch)
	req.ContentLength = int64(len(body))
	if len(body) == 0 {
		req.Body, req.GetBody = http.NoBody, noBody
	} else {
		// io.NopCloser of a *bytes.Reader is a body net/http knows is in
		// memory: it writes the headers and the body in one go.
		sc.body.Reset(body)
		req.Body = io.NopCloser(&sc.body)
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	a.Start = s.now()
	ts := a.Start
	if !prev.IsZero() && ts.Unix() <= prev.Unix() {
		ts = time.Unix(prev.Unix()+1, 0)
	}
	a.SignedAt = ts
	sc.vals[4] = s.userAgent
	req.Header["User-Agent"] = sc.vals[4:5:5]
	if s.native != nil {
		s.native.setHeaders(req.Header, &sc.vals, msg.ID, ts, body)
	} else if err := s.signer.SignHeaders(req.Header, msg.ID, ts, body); err != nil {
		// Not the endpoint's fault, and not something a retry would fix.
		a.Err = fmt.Errorf("webhook: signing: %w", err)
		a.Class = ClassPermanent
		return a, ts, nil
	}

	resp, err := s.client.Do(req)
	if err != nil {
		a.Latency = s.now().Sub(a.Start)
		a.Err = redactError(err, dest.redacted)
		a.Class = Classify(0, a.Err)
		return a, ts, nil
	}
	a.StatusCode = resp.StatusCode
	// The status is the endpoint's answer; a body that breaks off only
	// costs the connection, so a read error is not the attempt's error.
	a.Response = s.readResponse(resp)
	a.Latency = s.now().Sub(a.Start)
	a.Class = Classify(resp.StatusCode, nil)
	switch a.Class {
	case ClassDelivered:
	case ClassGone:
		a.Err = fmt.Errorf("%w: HTTP %d", ErrGone, resp.StatusCode)
	case ClassPermanent:
		a.Err = fmt.Errorf("%w: HTTP %d%s", ErrRejected, resp.StatusCode, location(resp))
	default:
		a.Err = fmt.Errorf("%w: HTTP %d%s", ErrStatus, resp.StatusCode, location(resp))
		if v := resp.Header["Retry-After"]; len(v) > 0 {
			a.RetryAfter = ParseRetryAfter(v[0], s.now())
		}
	}
	return a, ts, nil
}

// attemptScratch is the per-attempt memory that does not need an
// allocation of its own.
type attemptScratch struct {
	vals headerValues // index 4 is the User-Agent; see Signer.setHeaders
	body bytes.Reader
}

// noBody is the GetBody of an empty request.
func noBody() (io.ReadCloser, error) { return http.NoBody, nil }

// readResponse keeps the first maxResp bytes of the body, reads and
// discards up to maxDrainBytes more so the connection can be reused, and
// closes it. A longer body, or one that fails, closes the connection instead.
func (s *Sender) readResponse(resp *http.Response) []byte {
	defer resp.Body.Close()
	var snippet []byte
	var err error
	switch {
	case resp.ContentLength == 0:
		return nil
	case resp.ContentLength > 0:
		snippet = make([]byte, min(resp.ContentLength, int64(s.maxResp)))
		var n int
		n, err = io.ReadFull(resp.Body, snippet)
		snippet = snippet[:n]
	default:
		snippet, err = readSnippet(resp.Body, s.maxResp)
	}
	if err == nil {
		io.CopyN(io.Discard, resp.Body, maxDrainBytes)
	}
	return snippet
}

// snippetBufs holds buffers for reading bodies of unknown length, so that
// a snippet is allocated once, at its final size.
var snippetBufs = sync.Pool{New: func() any { return new([DefaultMaxResponseBytes]byte) }}

// readSnippet reads up to limit bytes of a body of unknown length. Its error
// is nil when it read limit bytes or the whole body.
func readSnippet(r io.Reader, limit int) ([]byte, error) {
	buf := snippetBufs.Get().(*[DefaultMaxResponseBytes]byte)
	n, err := io.ReadFull(r, buf[:min(limit, len(buf))])
	snippet := make([]byte, n)
	copy(snippet, buf[:n])
	snippetBufs.Put(buf)
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return snippet, nil
	case err != nil || n == limit:
		return snippet, err
	}
	// A limit above the buffer's size: read the rest as it comes.
	rest, err := io.ReadAll(io.LimitReader(r, int64(limit-n)))
	return append(snippet, rest...), err
}

// location describes the redirect target of a 3xx response, redacted and
// bounded, or returns "".
func location(resp *http.Response) string {
	if resp.StatusCode < 300 || resp.StatusCode > 399 {
		return ""
	}
	loc := resp.Header.Get("Location")
	if loc == "" || len(loc) > 2048 {
		return " (redirect not followed)"
	}
	u, err := url.Parse(loc)
	if err != nil {
		return " (redirect not followed)"
	}
	return " (redirect to " + redactURL(resp.Request.URL.ResolveReference(u)) + " not followed)"
}

// CloseIdleConnections closes the idle keep-alive connections of the
// Sender's client, as [http.Client.CloseIdleConnections] does. Call it when
// the Sender is no longer used.
func (s *Sender) CloseIdleConnections() { s.client.CloseIdleConnections() }
