package webhook

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DeliveryOutcome is how a whole delivery ended.
type DeliveryOutcome int

// The outcomes of [Sender.Send].
const (
	// Delivered: an attempt was answered 2xx.
	Delivered DeliveryOutcome = iota + 1

	// GaveUp: every attempt the retry policy allowed failed.
	GaveUp

	// PermanentFailure: an attempt failed in a way retrying cannot fix
	// (see [ClassPermanent] and [ClassGone]), or the message or URL was
	// invalid. The error says which.
	PermanentFailure

	// Cancelled: the context was cancelled or its deadline passed
	// before the delivery succeeded.
	Cancelled
)

// String returns "delivered", "gave up", "permanent failure" or "cancelled".
func (o DeliveryOutcome) String() string {
	switch o {
	case Delivered:
		return "delivered"
	case GaveUp:
		return "gave up"
	case PermanentFailure:
		return "permanent failure"
	case Cancelled:
		return "cancelled"
	}
	return "unknown"
}

// AttemptReport describes one attempt of a delivery. [Sender.Send] collects
// them in a [Report] and passes each to the OnAttempt hook as it ends.
type AttemptReport struct {
	// MessageID and Type are the message's; URL is the destination with
	// credentials and query removed (see [Report.URL]).
	MessageID string
	Type      string
	URL       string

	// Number counts attempts from 1.
	Number int

	// Start is when the request was sent (after any rate-limit wait), by
	// the Sender's clock; Latency is how long it took until the response
	// body was read, or until it failed.
	Start   time.Time
	Latency time.Duration

	// SignedAt is the timestamp the attempt was signed with: Start, or a
	// later second when the previous attempt was signed in the same second
	// (see [Sender.Send] and [AttemptOptions.After]). Zero when the attempt
	// was never signed.
	SignedAt time.Time

	// StatusCode is the response status, or 0 when there was no response.
	StatusCode int

	// Err is nil when the attempt delivered. Otherwise it matches
	// [ErrStatus], [ErrRejected] or [ErrGone] for a failure status, or is
	// the transport error (with the URL redacted), which may match
	// [ErrBlockedAddress] or [context.DeadlineExceeded] (the per-attempt
	// timeout), or wraps the [HeaderSigner]'s error.
	Err error

	// Class is what [Classify] made of the attempt.
	Class Class

	// Response is the start of the response body, at most the Sender's
	// MaxResponseBytes, for logs. It may be cut in the middle of a
	// character.
	Response []byte

	// RetryAfter is the wait the endpoint asked for with Retry-After, as
	// parsed by [ParseRetryAfter] (0 when none), before clamping.
	RetryAfter time.Duration

	// Retry reports whether another attempt follows, after NextDelay.
	// [Sender.Attempt] leaves both zero: the caller schedules.
	Retry     bool
	NextDelay time.Duration
}

// Report is the record of one delivery: every attempt and the outcome.
type Report struct {
	// MessageID is the id every attempt carried (generated when the message
	// had none); Type is the message's type.
	MessageID string
	Type      string

	// URL is the destination without user info, query or fragment, safe to
	// log.
	URL string

	// Outcome is how the delivery ended.
	Outcome DeliveryOutcome

	// Attempts lists the attempts in order. It is empty when the message or
	// URL was invalid, or the context ended before the first attempt.
	Attempts []AttemptReport

	first [1]AttemptReport // backs Attempts for the common single attempt
}

// StatusCode returns the status of the last attempt, or 0 when it got no
// response or there was none.
func (r *Report) StatusCode() int {
	if len(r.Attempts) == 0 {
		return 0
	}
	return r.Attempts[len(r.Attempts)-1].StatusCode
}

// DeliveryError is the error of a delivery that did not succeed. Err says
// why and matches, with [errors.Is], [ErrGaveUp] (together with the last
// attempt's error), [ErrRejected], [ErrGone], [ErrBlockedAddress],
// [ErrInvalidURL], [ErrInvalidMessage], or the context's error
// ([context.Canceled], [context.DeadlineExceeded]).
type DeliveryError struct {
	// URL is the destination, redacted as in [Report.URL].
	URL string

	// MessageID is the message's id.
	MessageID string

	// Attempts is the number of attempts made.
	Attempts int

	// StatusCode is the last attempt's status, or 0 when it got no response.
	StatusCode int

	// Err is the reason.
	Err error
}

// Error describes the failure without secrets: the URL is redacted.
func (e *DeliveryError) Error() string {
	var b strings.Builder
	b.WriteString("webhook: delivery of ")
	b.WriteString(e.MessageID)
	b.WriteString(" to ")
	b.WriteString(e.URL)
	b.WriteString(" failed after ")
	b.WriteString(strconv.Itoa(e.Attempts))
	if e.Attempts == 1 {
		b.WriteString(" attempt")
	} else {
		b.WriteString(" attempts")
	}
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, " (last HTTP %d)", e.StatusCode)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns Err.
func (e *DeliveryError) Unwrap() error { return e.Err }
