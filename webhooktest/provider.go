package webhooktest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/signedhooks/webhook"
)

// DefaultSkew is how far from now the [Provider]'s stale and future cases
// are signed: far outside the 5-minute tolerance every verifier in this
// module uses by default.
const DefaultSkew = time.Hour

// maxResponse bounds the response body kept in a [Case].
const maxResponse = 4 << 10

// Provider is a fake webhook provider. It signs as a [webhook.Sender] with
// Signer does, and [Provider.Deliver] sends a message followed by the hard
// cases a consumer must survive. The zero value is not usable: set Signer.
// A Provider holds no state; it is safe for concurrent use.
type Provider struct {
	// Signer signs every request: one of [Native], [StandardWebhooks],
	// [Stripe], [GitHub], or any [webhook.HeaderSigner].
	Signer webhook.HeaderSigner

	// Now is the provider's clock. Default: time.Now. Set it to the
	// consumer's clock when the consumer's verifier has a fixed Now.
	Now func() time.Time

	// Skew is how far in the past the stale case and in the future the
	// future case are signed. Default: [DefaultSkew] (1 hour).
	Skew time.Duration

	// Path is the target of the requests [Provider.Deliver] makes, for a
	// handler that routes by path. Default: "/".
	Path string
}

func (p Provider) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// NewRequest is [NewRequest] signed at the provider's Now.
func (p Provider) NewRequest(target string, msg webhook.Message) *http.Request {
	s, err := sign(p.Signer, p.now(), time.Time{}, msg)
	if err != nil {
		panic(err)
	}
	return s.request(target)
}

// Want is what a correct consumer does with one [Case].
type Want int

const (
	// WantProcessed: the consumer answers 2xx and runs its handler once
	// for the case's message.
	WantProcessed Want = iota + 1
	// WantAcknowledged: the consumer answers 2xx without running its
	// handler again (a retry of a message it has processed).
	WantAcknowledged
	// WantRefused: the consumer answers 4xx and runs nothing.
	WantRefused
	// WantNotRun: the consumer runs nothing; any status will do (a
	// [webhook.Middleware] answers 409 replayed, a consumer that
	// deduplicates by a signed id 200).
	WantNotRun
)

// String returns "processed", "acknowledged", "refused" or "not run".
func (w Want) String() string {
	switch w {
	case WantProcessed:
		return "processed"
	case WantAcknowledged:
		return "acknowledged"
	case WantRefused:
		return "refused"
	case WantNotRun:
		return "not run"
	}
	return fmt.Sprintf("Want(%d)", int(w))
}

// Names of the cases of [Provider.Deliver], in the order they are sent.
const (
	// CaseDeliver is the message itself, signed now.
	CaseDeliver = "deliver"
	// CaseDuplicate resends the first request byte for byte, signature
	// included, as a network or proxy might.
	CaseDuplicate = "duplicate"
	// CaseRetry sends the message again with a fresh signature, one
	// second later, as a provider does when it missed the answer. With a
	// scheme that signs no timestamp (GitHub) the "fresh" signature equals
	// the first, and the case is wanted [WantNotRun] instead of
	// [WantAcknowledged].
	CaseRetry = "retry"
	// CaseStale is a new message (new id, same type and data) signed
	// Skew in the past.
	CaseStale = "stale"
	// CaseFuture is a new message signed Skew in the future.
	CaseFuture = "future"
	// CaseTampered is a new message whose body was changed after signing.
	CaseTampered = "tampered"
	// CaseNewID replays the first request with a fresh id in its id
	// headers: an attacker's way past deduplication by an unsigned id.
	CaseNewID = "new id"
	// CaseEqualBody is a distinct message (new id) with the first one's
	// type and data: it must be processed, not refused as a replay.
	CaseEqualBody = "equal body"
)

// Case is one request of [Provider.Deliver] and the consumer's answer.
type Case struct {
	// Name is one of the Case* constants.
	Name string

	// MessageID is the id the request carries (in its id header or body).
	MessageID string

	// Want is what a correct consumer does.
	Want Want

	// Status is the consumer's status code, 0 when the request failed or
	// was skipped.
	Status int

	// Response is the start of the response body (at most 4 KiB).
	Response []byte

	// Skipped, when not empty, says why the case was not sent: the
	// scheme signs no timestamp (stale, future) or no id header (new id).
	Skipped string

	// Err is the transport error of [Provider.DeliverURL], or the error
	// signing the case.
	Err error
}

// problem returns what is wrong with c's answer, or nil; it cannot see
// whether the handler ran (see [Report.Check]).
func (c *Case) problem() error {
	if c.Skipped != "" {
		return nil
	}
	if c.Err != nil {
		return fmt.Errorf("%s: %w", c.Name, c.Err)
	}
	ok := c.Status >= 200 && c.Status < 300
	switch c.Want {
	case WantProcessed, WantAcknowledged:
		if !ok {
			return fmt.Errorf("%s: status %d, want 2xx (%s)", c.Name, c.Status, c.Want)
		}
	case WantRefused:
		if c.Status < 400 || c.Status >= 500 {
			return fmt.Errorf("%s: status %d, want 4xx (%s)", c.Name, c.Status, c.Want)
		}
	}
	return nil
}

// Report is what [Provider.Deliver] sent and what the consumer answered.
type Report struct {
	// Cases are in the order they were sent.
	Cases []Case
}

// Case returns the case named name, or the zero Case.
func (r *Report) Case(name string) Case {
	for _, c := range r.Cases {
		if c.Name == name {
			return c
		}
	}
	return Case{}
}

// Processed returns the ids of the messages a correct consumer processes,
// once each: the message's and the equal-body message's.
func (r *Report) Processed() []string {
	var ids []string
	for _, c := range r.Cases {
		if c.Want == WantProcessed && c.Skipped == "" {
			ids = append(ids, c.MessageID)
		}
	}
	return ids
}

// Err returns an error listing the cases whose status contradicts their
// Want (a stale request answered 200, a retry answered 409, ...), or nil.
// It cannot tell whether a handler ran twice; [Report.Check] can.
func (r *Report) Err() error {
	var errs []error
	for i := range r.Cases {
		if err := r.Cases[i].problem(); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("webhooktest: consumer mishandled a hard case: %w", errors.Join(errs...))
}

// Check returns [Report.Err], joined with an error for every message id
// that ran is wrong about: ran lists, in any order, the ids of the
// messages the consumer's handler ran for during [Provider.Deliver], one
// entry per run. A correct consumer ran exactly [Report.Processed], once
// each.
func (r *Report) Check(ran []string) error {
	var errs []error
	if err := r.Err(); err != nil {
		errs = append(errs, err)
	}
	count := make(map[string]int, len(ran))
	for _, id := range ran {
		count[id]++
	}
	want := make(map[string]bool)
	for _, id := range r.Processed() {
		want[id] = true
		if n := count[id]; n != 1 {
			errs = append(errs, fmt.Errorf("webhooktest: handler ran %d times for message %q, want once", n, id))
		}
	}
	for _, c := range r.Cases {
		if n := count[c.MessageID]; !want[c.MessageID] && n > 0 {
			errs = append(errs, fmt.Errorf("webhooktest: handler ran %d times for the %s case's message %q, want never", n, c.Name, c.MessageID))
			count[c.MessageID] = 0 // report each id once
		}
	}
	return errors.Join(errs...)
}

// sendFunc delivers one signed request and returns the answer.
type sendFunc func(header http.Header, body []byte) (int, []byte, error)

// Deliver sends msg to h in-process, then its hard cases (see the Case*
// constants), one after another, and reports each answer. msg is sent as
// a [webhook.Sender] would send it (an empty ID gets a new one); the cases
// that need a new message copy its Type and Data (or Payload) under a new
// id. A raw Payload is sent as is: unless it carries an id of its own, the
// equal-body message is byte-identical to the first and signed in the same
// second, and a consumer's replay guard refuses it, which the report
// shows. Deliver panics if the Provider has no Signer or msg cannot be
// sent.
//
// Check the result with [Report.Check], passing the ids the handler ran
// for, to assert that it ran once per message.
func (p Provider) Deliver(h http.Handler, msg webhook.Message) *Report {
	path := p.Path
	if path == "" {
		path = "/"
	}
	return p.run(msg, func(header http.Header, body []byte) (int, []byte, error) {
		r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		r.Header = header
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		resp := rec.Result()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
		return resp.StatusCode, b, nil
	})
}

// DeliverURL is [Provider.Deliver] over the network: every case is POSTed
// to rawURL with [http.DefaultClient] under ctx. A case that fails in
// transport has its Err set, which [Report.Err] reports.
func (p Provider) DeliverURL(ctx context.Context, rawURL string, msg webhook.Message) *Report {
	return p.run(msg, func(header http.Header, body []byte) (int, []byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
		if err != nil {
			return 0, nil, err
		}
		req.Header = header
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return resp.StatusCode, b, nil
	})
}

// run signs and sends every case through send.
func (p Provider) run(msg webhook.Message, send sendFunc) *Report {
	now := p.now()
	skew := p.Skew
	if skew <= 0 {
		skew = DefaultSkew
	}
	first, err := sign(p.Signer, now, time.Time{}, msg)
	if err != nil {
		panic(err)
	}
	msg.ID = first.id
	rep := &Report{}
	deliver := func(name string, want Want, s signed, err error) {
		c := Case{Name: name, MessageID: s.id, Want: want, Err: err}
		if err == nil {
			c.Status, c.Response, c.Err = send(s.header.Clone(), bytes.Clone(s.body))
		}
		rep.Cases = append(rep.Cases, c)
	}
	skip := func(name string, want Want, why string) {
		rep.Cases = append(rep.Cases, Case{Name: name, Want: want, Skipped: why})
	}
	fresh := func() webhook.Message {
		m := msg
		m.ID = webhook.NewMessageID()
		return m
	}

	// A scheme without a signed timestamp (GitHub) signs equal bodies
	// equally whatever the time: it has no stale or future request, and
	// its retry is byte-identical to the first request, which a replay
	// guard refuses until its window has passed.
	probe, err := sign(p.Signer, now.Add(skew), time.Time{}, msg)
	timed := err != nil || !equalHeaders(probe.header, first.header)

	deliver(CaseDeliver, WantProcessed, first, nil)
	deliver(CaseDuplicate, WantNotRun, first, nil)
	retry, err := sign(p.Signer, now, first.at, msg)
	if timed {
		deliver(CaseRetry, WantAcknowledged, retry, err)
	} else {
		deliver(CaseRetry, WantNotRun, retry, err)
	}
	for _, tc := range []struct {
		name string
		at   time.Time
	}{{CaseStale, now.Add(-skew)}, {CaseFuture, now.Add(skew)}} {
		if !timed {
			skip(tc.name, WantRefused, "the scheme signs no timestamp")
			continue
		}
		s, err := sign(p.Signer, tc.at, time.Time{}, fresh())
		deliver(tc.name, WantRefused, s, err)
	}

	tampered, err := sign(p.Signer, now, time.Time{}, fresh())
	if err == nil {
		tampered.body = tamper(tampered.body)
	}
	deliver(CaseTampered, WantRefused, tampered, err)

	if names := first.idHeaders(); len(names) == 0 {
		skip(CaseNewID, WantNotRun, "the scheme carries its id only in the signed body")
	} else {
		replay := first
		replay.id = webhook.NewMessageID()
		replay.header = first.header.Clone()
		for _, k := range names {
			replay.header[k] = []string{replay.id}
		}
		deliver(CaseNewID, WantNotRun, replay, nil)
	}

	equal, err := sign(p.Signer, now, time.Time{}, fresh())
	deliver(CaseEqualBody, WantProcessed, equal, err)
	return rep
}

// tamper returns body changed in a way a JSON parser does not notice: a
// consumer that skips verification processes it as if genuine.
func tamper(body []byte) []byte {
	if i := bytes.LastIndexByte(body, '}'); i >= 0 {
		return append(append(bytes.Clone(body[:i]), ' '), body[i:]...)
	}
	return append(bytes.Clone(body), ' ')
}

// equalHeaders reports whether a and b have the same headers and values.
func equalHeaders(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, va := range a {
		vb := b[k]
		if len(va) != len(vb) {
			return false
		}
		for i := range va {
			if va[i] != vb[i] {
				return false
			}
		}
	}
	return true
}
