package webhook

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Send delivers msg to rawURL: it signs and posts it, and retries failed
// attempts as the retry policy says, each with a fresh timestamp and
// signature and the same message id, until one is answered 2xx, one fails
// permanently, the policy gives up, or ctx is done. A wait between attempts
// ends as soon as ctx is done.
//
// No two attempts carry the same timestamp: one made within the second of
// the previous attempt is signed one second later (well within any
// receiver's tolerance), so its signature differs and a receiver's replay
// guard does not mistake it for a replay.
//
// Send always returns a Report. The error is nil when the message was
// delivered, and otherwise a [*DeliveryError] (see there for the sentinels it
// matches). Send is safe for concurrent use.
func (s *Sender) Send(ctx context.Context, rawURL string, msg Message) (*Report, error) {
	if msg.ID == "" {
		msg.ID = NewMessageID()
	}
	dest, err := newTarget(rawURL)
	rep := &Report{MessageID: msg.ID, Type: msg.Type, URL: dest.redacted}
	if err != nil {
		return rep, fail(rep, PermanentFailure, err)
	}
	body, err := msg.body(s.typeField)
	if err != nil {
		return rep, fail(rep, PermanentFailure, err)
	}
	rep.Attempts = rep.first[:0]
	var signedAt time.Time
	for n := 1; ; n++ {
		a, ts, err := s.attempt(ctx, &dest, &msg, body, n, signedAt, s.onAttempt != nil)
		signedAt = ts
		if err != nil { // ctx ended while waiting for the rate limiter
			return rep, fail(rep, Cancelled, cancelled(err, rep))
		}
		var delay time.Duration
		if a.Class == ClassRetry && ctx.Err() == nil {
			delay, a.Retry = s.retry.Delay(n, a.RetryAfter)
			a.NextDelay = delay
		}
		rep.Attempts = append(rep.Attempts, a)
		if s.onAttempt != nil {
			s.onAttempt(a)
		}
		switch {
		case a.Class == ClassDelivered:
			rep.Outcome = Delivered
			return rep, nil
		case a.Class != ClassRetry:
			return rep, fail(rep, PermanentFailure, a.Err)
		case ctx.Err() != nil:
			return rep, fail(rep, Cancelled, cancelled(ctx.Err(), rep))
		case !a.Retry:
			return rep, fail(rep, GaveUp, fmt.Errorf("%w: %w", ErrGaveUp, a.Err))
		}
		if err := s.sleep(ctx, delay); err != nil {
			return rep, fail(rep, Cancelled, cancelled(err, rep))
		}
	}
}

// AttemptOptions says which attempt [Sender.Attempt] makes.
type AttemptOptions struct {
	// Number counts the message's attempts from 1. Values below 1 mean 1.
	Number int

	// After is the signed time of the message's previous attempt
	// ([AttemptReport.SignedAt]), or an upper bound of it; zero for the
	// first attempt. The attempt is signed at least one second after it,
	// as [Sender.Send] does between its attempts, so that a retry made
	// within the same second still carries a new signature and a
	// receiver's replay guard does not refuse it. A bound later than the
	// real signed time is safe as long as it stays within the receiver's
	// timestamp tolerance of now.
	After time.Time
}

// Attempt makes one attempt of delivering msg to rawURL: one signed
// request, after any rate-limit wait, and no retry. It is for callers that
// schedule retries themselves, such as a durable queue running one attempt
// per job: the report's Class says whether to retry, and a [RetryPolicy]
// given its RetryAfter says when. msg.ID must be set, since every attempt
// must carry the same id, and opts.After should be the previous attempt's
// [AttemptReport.SignedAt]. OnAttempt is not called.
//
// The error is nil when the attempt delivered, and otherwise a
// [*DeliveryError] whose Err is the attempt's error ([AttemptReport.Err]),
// or matches [ErrInvalidURL], [ErrInvalidMessage] or the context's error.
func (s *Sender) Attempt(ctx context.Context, rawURL string, msg Message, opts AttemptOptions) (AttemptReport, error) {
	attempt := max(opts.Number, 1)
	a := AttemptReport{MessageID: msg.ID, Type: msg.Type, Number: attempt, Class: ClassPermanent}
	dest, err := newTarget(rawURL)
	a.URL = dest.redacted
	if err == nil && msg.ID == "" {
		err = fmt.Errorf("%w: Attempt needs a message id", ErrInvalidMessage)
	}
	var body []byte
	if err == nil {
		body, err = msg.body(s.typeField)
	}
	if err == nil {
		a, _, err = s.attempt(ctx, &dest, &msg, body, attempt, opts.After, false)
		if err != nil {
			a.Class = ClassRetry
		}
	}
	if err != nil {
		a.Err = err
	}
	if a.Err == nil {
		return a, nil
	}
	return a, &DeliveryError{URL: dest.redacted, MessageID: msg.ID, Attempts: attempt, StatusCode: a.StatusCode, Err: a.Err}
}

// fail sets the outcome of rep and returns its [*DeliveryError].
func fail(rep *Report, o DeliveryOutcome, err error) error {
	rep.Outcome = o
	return &DeliveryError{
		URL:        rep.URL,
		MessageID:  rep.MessageID,
		Attempts:   len(rep.Attempts),
		StatusCode: rep.StatusCode(),
		Err:        err,
	}
}

// cancelled returns the context error ctxErr, joined with the last
// attempt's error when there was one.
func cancelled(ctxErr error, rep *Report) error {
	if n := len(rep.Attempts); n > 0 && rep.Attempts[n-1].Err != nil {
		return fmt.Errorf("%w (last attempt: %w)", ctxErr, rep.Attempts[n-1].Err)
	}
	return ctxErr
}

// target is a checked destination.
type target struct {
	raw      string       // as given; the rate limiters' key
	redacted string       // safe to log: see redactURL
	tmpl     http.Request // a POST to the URL without headers or body
}

// newTarget checks that raw is an absolute http or https URL with a host.
// It parses raw once per delivery: every attempt's request is a shallow
// copy of the template.
func newTarget(raw string) (target, error) {
	t := target{raw: raw}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse's error quotes the whole URL, secrets included.
		return t, fmt.Errorf("%w: cannot be parsed", ErrInvalidURL)
	}
	t.redacted = raw
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Opaque != "" {
		t.redacted = redactURL(u)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return t, fmt.Errorf("%w: want an http or https URL with a host", ErrInvalidURL)
	}
	u.Host = strings.TrimSuffix(u.Host, ":") // as http.NewRequest does
	t.tmpl = http.Request{
		Method:     http.MethodPost,
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Host:       u.Host,
	}
	return t, nil
}
