package webhook

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// attempt makes one signed request, after waiting for the endpoint's rate
// limiter. Its error is not nil only when ctx ended during that wait; every
// other failure is in the report.
func (s *Sender) attempt(ctx context.Context, rawURL, redacted string, msg *Message, body []byte, n int) (AttemptReport, error) {
	a := AttemptReport{MessageID: msg.ID, Type: msg.Type, URL: redacted, Number: n}
	if d, undo := s.limits.reserve(rawURL, s.now()); d > 0 {
		if err := s.sleep(ctx, d); err != nil {
			undo()
			return a, err
		}
	}
	if err := ctx.Err(); err != nil {
		return a, err
	}

	actx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		// parseURL accepted it, so this is rare; the error quotes the URL.
		a.Err = fmt.Errorf("%w: %s", ErrInvalidURL, redacted)
		a.Class = ClassPermanent
		return a, nil
	}
	req.Header.Set("User-Agent", s.userAgent)
	a.Start = s.now()
	if err := s.signer.SignHeaders(req.Header, msg.ID, a.Start, body); err != nil {
		// Not the endpoint's fault, and not something a retry would fix.
		a.Err = fmt.Errorf("webhook: signing: %w", err)
		a.Class = ClassPermanent
		return a, nil
	}

	resp, err := s.client.Do(req)
	if err != nil {
		a.Latency = s.now().Sub(a.Start)
		a.Err = redactError(err, redacted)
		a.Class = Classify(0, a.Err)
		return a, nil
	}
	a.StatusCode = resp.StatusCode
	a.Response, a.Err = s.readResponse(resp)
	a.Latency = s.now().Sub(a.Start)
	if a.Err != nil {
		// The status arrived but the body did not: the endpoint may not have
		// finished, so count it as a network failure.
		a.Err = redactError(a.Err, redacted)
		a.Class = ClassRetry
		return a, nil
	}
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
	return a, nil
}

// readResponse keeps the first maxResp bytes of the body, reads and
// discards up to maxDrainBytes more so the connection can be reused, and
// closes it. A read error (other than a body longer than that) is returned.
func (s *Sender) readResponse(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	var snippet []byte
	var err error
	switch {
	case resp.ContentLength == 0:
	case resp.ContentLength > 0:
		snippet = make([]byte, min(resp.ContentLength, int64(s.maxResp)))
		var n int
		n, err = io.ReadFull(resp.Body, snippet)
		snippet = snippet[:n]
	default:
		snippet, err = io.ReadAll(io.LimitReader(resp.Body, int64(s.maxResp)))
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return snippet, nil // shorter than announced: nothing left to drain
	}
	if err != nil {
		return snippet, err
	}
	_, err = io.CopyN(io.Discard, resp.Body, maxDrainBytes)
	if err == io.EOF {
		err = nil
	}
	return snippet, err
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
