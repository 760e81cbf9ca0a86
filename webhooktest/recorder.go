package webhooktest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"

	"github.com/signedhooks/webhook"
)

// ErrNotVerified is the verdict of a delivery to a [Recorder] that has no
// authenticator: it was recorded, not checked.
var ErrNotVerified = errors.New("webhooktest: recorded without verification")

// Delivery is one request a [Recorder] received.
type Delivery struct {
	// Method and Path are the request's; Header and Body are as received,
	// byte for byte.
	Method string
	Path   string
	Header http.Header
	Body   []byte

	// Err is the verdict: nil when the authenticator accepted the
	// request, its error otherwise (match it with errors.Is against
	// [webhook.ErrNoMatchingSignature], [webhook.ErrTimestampTooOld], ...),
	// [webhook.ErrBodyTooLarge] for a body over the limit, or
	// [ErrNotVerified] without an authenticator.
	Err error

	// Auth is what the authenticator read from an accepted request (the
	// message id, the signed time, ...).
	Auth webhook.Authenticated

	// Status is what the Recorder answered.
	Status int
}

// Recorder is an [http.Handler] that records every delivery and its
// verdict, for tests of code that sends webhooks. It answers 200
// {"status":"ok"} to a verified (or, without an authenticator, any)
// request, 400 to a missing or malformed signature, 401 to any other
// failure and 413 to a body over [webhook.DefaultMaxBodyBytes], as
// [webhook.Middleware] does. It neither deduplicates nor guards against
// replays: it records what arrives.
//
// Build one with [NewRecorder]; it is safe for concurrent use.
type Recorder struct {
	auth webhook.Authenticator

	mu      sync.Mutex
	got     []Delivery
	arrived chan struct{} // closed and replaced on every delivery
}

// NewRecorder returns a Recorder that checks each delivery with auth, or
// records it unchecked when auth is nil.
func NewRecorder(auth webhook.Authenticator) *Recorder {
	return &Recorder{auth: auth, arrived: make(chan struct{})}
}

// ServeHTTP records r and answers it.
func (rec *Recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d := Delivery{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone()}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, webhook.DefaultMaxBodyBytes))
	d.Body = body
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		d.Err, d.Status = webhook.ErrBodyTooLarge, http.StatusRequestEntityTooLarge
	case err != nil:
		d.Err, d.Status = err, http.StatusBadRequest
	case rec.auth == nil:
		d.Err, d.Status = ErrNotVerified, http.StatusOK
	default:
		d.Auth, d.Err = rec.auth.Authenticate(r, body)
		switch {
		case d.Err == nil:
			d.Status = http.StatusOK
		case errors.Is(d.Err, webhook.ErrMissingSignature), errors.Is(d.Err, webhook.ErrInvalidHeader):
			d.Status = http.StatusBadRequest
		default:
			d.Status = http.StatusUnauthorized
		}
	}
	rec.mu.Lock()
	rec.got = append(rec.got, d)
	close(rec.arrived)
	rec.arrived = make(chan struct{})
	rec.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(d.Status)
	if d.Status == http.StatusOK {
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	} else {
		_, _ = io.WriteString(w, `{"error":"`+http.StatusText(d.Status)+`"}`)
	}
}

// Deliveries returns a copy of the deliveries recorded so far, in the
// order they arrived.
func (rec *Recorder) Deliveries() []Delivery {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]Delivery(nil), rec.got...)
}

// Wait blocks until at least n deliveries have been recorded and returns
// them, or returns what has arrived with ctx's error when ctx is done
// first.
func (rec *Recorder) Wait(ctx context.Context, n int) ([]Delivery, error) {
	for {
		rec.mu.Lock()
		got, arrived := rec.got, rec.arrived
		rec.mu.Unlock()
		if len(got) >= n {
			return append([]Delivery(nil), got...), nil
		}
		select {
		case <-arrived:
		case <-ctx.Done():
			return append([]Delivery(nil), got...), ctx.Err()
		}
	}
}

// Server is a [Recorder] listening on a loopback address: an
// [httptest.Server] whose handler is the Recorder. Close it when done.
type Server struct {
	*httptest.Server
	*Recorder
}

// NewServer starts a [Server] whose Recorder checks deliveries with auth
// (nil: record unchecked).
func NewServer(auth webhook.Authenticator) *Server {
	rec := NewRecorder(auth)
	return &Server{Server: httptest.NewServer(rec), Recorder: rec}
}
