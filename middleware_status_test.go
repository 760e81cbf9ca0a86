package webhook_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
)

// statusCase is one row of the consumer status table.
type statusCase struct {
	name    string
	opts    webhook.MiddlewareOptions
	first   func(f *fixture) *http.Request // delivered before, when set
	request func(f *fixture) *http.Request
	status  int
	field   string // "error" or "status"
	value   string
	retry   bool // Retry-After expected
	runs    int  // runs of next, first delivery included
	kind    webhook.OutcomeKind
	err     error // errors.Is(outcome.Err, err), when set
}

// statusCases returns every row of the consumer status table.
func statusCases(t *testing.T) []statusCase {
	t.Helper()
	return []statusCase{
		{
			name:    "first delivery",
			request: func(f *fixture) *http.Request { return f.request(eventBody, "msg_1", mwNow) },
			status:  http.StatusOK, runs: 1, kind: webhook.OutcomeProcessed,
		},
		{
			name: "missing signature",
			request: func(f *fixture) *http.Request {
				r := f.request(eventBody, "msg_1", mwNow)
				r.Header.Del(webhook.SignatureHeader)
				return r
			},
			status: http.StatusBadRequest, field: "error", value: "missing_signature",
			kind: webhook.OutcomeRejected, err: webhook.ErrMissingSignature,
		},
		{
			name: "malformed signature",
			request: func(f *fixture) *http.Request {
				r := f.request(eventBody, "msg_1", mwNow)
				r.Header.Set(webhook.SignatureHeader, "t=abc,s=zz")
				return r
			},
			status: http.StatusBadRequest, field: "error", value: "malformed_signature",
			kind: webhook.OutcomeRejected, err: webhook.ErrInvalidHeader,
		},
		{
			name: "bad signature",
			request: func(f *fixture) *http.Request {
				other, err := webhook.NewSigner(otherKey, nil)
				require.NoError(t, err)
				r := f.request(eventBody, "msg_1", mwNow)
				r.Header.Set(webhook.SignatureHeader, other.Sign(mwNow, []byte(eventBody)))
				return r
			},
			status: http.StatusUnauthorized, field: "error", value: "unauthorized",
			kind: webhook.OutcomeRejected, err: webhook.ErrNoMatchingSignature,
		},
		{
			name: "tampered body",
			request: func(f *fixture) *http.Request {
				r := f.request(eventBody, "msg_1", mwNow)
				r.Body = io.NopCloser(strings.NewReader(otherBody))
				return r
			},
			status: http.StatusUnauthorized, field: "error", value: "unauthorized",
			kind: webhook.OutcomeRejected, err: webhook.ErrNoMatchingSignature,
		},
		{
			name:    "stale timestamp",
			request: func(f *fixture) *http.Request { return f.request(eventBody, "msg_1", mwNow.Add(-6*time.Minute)) },
			status:  http.StatusUnauthorized, field: "error", value: "unauthorized",
			kind: webhook.OutcomeRejected, err: webhook.ErrTimestampTooOld,
		},
		{
			name:    "future timestamp",
			request: func(f *fixture) *http.Request { return f.request(eventBody, "msg_1", mwNow.Add(6*time.Minute)) },
			status:  http.StatusUnauthorized, field: "error", value: "unauthorized",
			kind: webhook.OutcomeRejected, err: webhook.ErrTimestampTooNew,
		},
		{
			name:    "body too large by Content-Length",
			opts:    webhook.MiddlewareOptions{MaxBodyBytes: 16},
			request: func(f *fixture) *http.Request { return f.request(eventBody, "msg_1", mwNow) },
			status:  http.StatusRequestEntityTooLarge, field: "error", value: "body_too_large",
			kind: webhook.OutcomeRejected, err: webhook.ErrBodyTooLarge,
		},
		{
			name: "body too large without Content-Length",
			opts: webhook.MiddlewareOptions{MaxBodyBytes: 16},
			request: func(f *fixture) *http.Request {
				r := f.request(eventBody, "msg_1", mwNow)
				r.ContentLength = -1
				return r
			},
			status: http.StatusRequestEntityTooLarge, field: "error", value: "body_too_large",
			kind: webhook.OutcomeRejected, err: webhook.ErrBodyTooLarge,
		},
		{
			name: "unreadable body",
			request: func(f *fixture) *http.Request {
				r := f.request(eventBody, "msg_1", mwNow)
				r.Body, r.ContentLength = io.NopCloser(errReader{}), -1
				return r
			},
			status: http.StatusBadRequest, field: "error", value: "unreadable_body",
			kind: webhook.OutcomeRejected,
		},
		{
			name:    "duplicate of a processed message",
			first:   func(f *fixture) *http.Request { return f.request(eventBody, "msg_1", mwNow.Add(-time.Second)) },
			request: func(f *fixture) *http.Request { return f.request(eventBody, "msg_1", mwNow) },
			status:  http.StatusOK, field: "status", value: "already_processed", runs: 1,
			kind: webhook.OutcomeDuplicate,
		},
		{
			name: "duplicate of a message still being processed",
			opts: webhook.MiddlewareOptions{Store: claimedStore(t, "msg_1")},
			request: func(f *fixture) *http.Request {
				return f.request(eventBody, "msg_1", mwNow)
			},
			status: http.StatusConflict, field: "error", value: "in_flight", retry: true,
			kind: webhook.OutcomeInFlight,
		},
		{
			name:    "replayed signature",
			first:   func(f *fixture) *http.Request { return f.request(eventBody, "msg_1", mwNow) },
			request: func(f *fixture) *http.Request { return f.request(eventBody, "msg_1", mwNow) },
			status:  http.StatusConflict, field: "error", value: "replayed", retry: true, runs: 1,
			kind: webhook.OutcomeReplayed,
		},
		{
			name:  "replayed signature with a changed id",
			first: func(f *fixture) *http.Request { return f.request(eventBody, "msg_1", mwNow) },
			request: func(f *fixture) *http.Request {
				r := f.request(eventBody, "msg_1", mwNow)
				r.Header.Set(webhook.IDHeader, "msg_forged")
				return r
			},
			status: http.StatusConflict, field: "error", value: "replayed", retry: true, runs: 1,
			kind: webhook.OutcomeReplayed,
		},
		{
			name:    "store unreachable",
			opts:    webhook.MiddlewareOptions{Store: &failingStore{claimErr: errStoreUp}},
			request: func(f *fixture) *http.Request { return f.request(eventBody, "msg_1", mwNow) },
			status:  http.StatusServiceUnavailable, field: "error", value: "store_unavailable", retry: true,
			kind: webhook.OutcomeStoreError, err: errStoreUp,
		},
		{
			name:    "store full",
			opts:    webhook.MiddlewareOptions{Store: &failingStore{claimErr: webhook.ErrStoreFull}},
			request: func(f *fixture) *http.Request { return f.request(eventBody, "msg_1", mwNow) },
			status:  http.StatusServiceUnavailable, field: "error", value: "store_unavailable", retry: true,
			kind: webhook.OutcomeStoreError, err: webhook.ErrStoreFull,
		},
		{
			name:    "store answering nonsense",
			opts:    webhook.MiddlewareOptions{Store: &failingStore{claimResult: webhook.ClaimResult{Status: 42}}},
			request: func(f *fixture) *http.Request { return f.request(eventBody, "msg_1", mwNow) },
			status:  http.StatusServiceUnavailable, field: "error", value: "store_unavailable", retry: true,
			kind: webhook.OutcomeStoreError,
		},
		{
			name:    "duplicate id with another body, acknowledged by default",
			first:   func(f *fixture) *http.Request { return f.request(eventBody, "msg_1", mwNow.Add(-time.Second)) },
			request: func(f *fixture) *http.Request { return f.request(otherBody, "msg_1", mwNow) },
			status:  http.StatusOK, field: "status", value: "already_processed", runs: 1,
			kind: webhook.OutcomeDuplicate,
		},
		{
			name:    "duplicate id with another body, refused by option",
			opts:    webhook.MiddlewareOptions{RejectFingerprintMismatch: true},
			first:   func(f *fixture) *http.Request { return f.request(eventBody, "msg_1", mwNow.Add(-time.Second)) },
			request: func(f *fixture) *http.Request { return f.request(otherBody, "msg_1", mwNow) },
			status:  http.StatusUnprocessableEntity, field: "error", value: "fingerprint_mismatch", runs: 1,
			kind: webhook.OutcomeMismatchRefused,
		},
	}
}

// serve delivers tc's first request, when it has one, then its request, to
// the middleware configured with tc.opts and errorFunc (nil: the default),
// and checks what every answer to the row must satisfy whatever writes the
// body: status, Retry-After, runs of next and the outcome. It returns the
// answer to the request.
func (tc statusCase) serve(t *testing.T, errorFunc func(http.ResponseWriter, *http.Request, int, webhook.ErrorResponse)) *httptest.ResponseRecorder {
	t.Helper()
	f := newFixture(t, nil)
	next := &counting{}
	hook := &recorder{}
	opts := tc.opts
	opts.OnOutcome = hook.hook
	opts.ErrorFunc = errorFunc
	h := webhook.Middleware(f.verifier, &opts)(next)
	if tc.first != nil {
		rec := serve(h, tc.first(f))
		require.Equal(t, http.StatusOK, rec.Code, "first delivery: %s", rec.Body)
	}
	rec := serve(h, tc.request(f))
	assert.Equal(t, tc.status, rec.Code, "body %s", rec.Body)
	if tc.retry {
		assert.NotEmpty(t, rec.Header().Get("Retry-After"))
	} else {
		assert.Empty(t, rec.Header().Get("Retry-After"))
	}
	assert.Equal(t, tc.runs, next.count(), "runs of the next handler")
	o := hook.last(t)
	assert.Equal(t, tc.kind, o.Kind)
	assert.Equal(t, tc.status, o.Status)
	if tc.err != nil {
		require.ErrorIs(t, o.Err, tc.err)
	}
	if tc.kind == webhook.OutcomeRejected {
		assert.NotContains(t, rec.Body.String(), "webhook:", "the reason is not sent to the client")
	}
	assert.Equal(t, strings.Contains(tc.name, "another body"), o.FingerprintMismatch)
	return rec
}

// TestMiddlewareStatusTable checks every row of the consumer status table:
// status, JSON body, Retry-After, whether next ran, and the outcome.
func TestMiddlewareStatusTable(t *testing.T) {
	t.Parallel()
	for _, tc := range statusCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := tc.serve(t, nil)
			switch tc.field {
			case "error":
				assert.Equal(t, errorMap(t, tc.value), jsonBody(t, rec))
			case "status":
				assert.Equal(t, map[string]string{tc.field: tc.value}, jsonBody(t, rec))
			}
		})
	}
}

// TestMiddlewareStatusTableErrorFunc runs every row of the status table
// with an ErrorFunc that writes its own body and asks for another status:
// error rows answer the documented status and Retry-After with the
// function's body, and give it the code and message the default would
// send; status rows never call it.
func TestMiddlewareStatusTableErrorFunc(t *testing.T) {
	t.Parallel()
	for _, tc := range statusCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var (
				mu    sync.Mutex
				calls []webhook.ErrorResponse
			)
			rec := tc.serve(t, func(w http.ResponseWriter, r *http.Request, status int, e webhook.ErrorResponse) {
				mu.Lock()
				calls = append(calls, e)
				mu.Unlock()
				assert.Equal(t, "/webhook", r.URL.Path, "the request is passed on")
				assert.Equal(t, tc.status, status)
				w.Header().Set("Content-Type", "text/plain")
				w.WriteHeader(http.StatusTeapot) // the documented status wins
				fmt.Fprintf(w, "custom %d %s", status, e.Code)
			})
			mu.Lock()
			defer mu.Unlock()
			switch tc.field {
			case "error":
				require.Len(t, calls, 1, "ErrorFunc calls")
				assert.Equal(t, tc.value, calls[0].Code)
				assert.Equal(t, errorMap(t, tc.value)["message"], calls[0].Message)
				assert.NotContains(t, calls[0].Message, "webhook:", "the reason is not given")
				assert.Equal(t, fmt.Sprintf("custom %d %s", tc.status, tc.value), rec.Body.String())
				assert.Equal(t, "text/plain", rec.Header().Get("Content-Type"))
			case "status":
				assert.Empty(t, calls, "ErrorFunc is only for errors")
				assert.Equal(t, map[string]string{tc.field: tc.value}, jsonBody(t, rec))
			default:
				assert.Empty(t, calls, "ErrorFunc is only for errors")
			}
		})
	}
}

// TestMiddlewareErrorFuncWritingNothing checks that an ErrorFunc that
// writes nothing still answers the documented status.
func TestMiddlewareErrorFuncWritingNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	h := webhook.Middleware(f.verifier, &webhook.MiddlewareOptions{
		ErrorFunc: func(http.ResponseWriter, *http.Request, int, webhook.ErrorResponse) {},
	})(&counting{})
	r := f.request(eventBody, "msg_1", mwNow)
	r.Header.Del(webhook.SignatureHeader)
	rec := serve(h, r)
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Empty(t, rec.Body.String())
}

// TestWriteError checks the exported writer of the error shape: the code
// under "error", the default message for the package's codes, the caller's
// message kept, and JSON escaping of what a caller passes.
func TestWriteError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   webhook.ErrorResponse
		want string
	}{
		{"known code", webhook.ErrorResponse{Code: "replayed"},
			`{"error":"replayed","message":"this signature was received before; retry with a fresh signature"}`},
		{"own message", webhook.ErrorResponse{Code: "replayed", Message: "seen"}, `{"error":"replayed","message":"seen"}`},
		{"unknown code", webhook.ErrorResponse{Code: "not_found"}, `{"error":"not_found"}`},
		{"escaped", webhook.ErrorResponse{Code: "bad_input", Message: `a "quoted" <word>`}, `{"error":"bad_input","message":"a \"quoted\" \u003cword\u003e"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			webhook.WriteError(rec, http.StatusNotFound, tc.in)
			assert.Equal(t, http.StatusNotFound, rec.Code)
			assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
			assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
			assert.Equal(t, tc.want+"\n", rec.Body.String())
		})
	}
}

// claimedStore returns a MemoryStore in which key is claimed by someone else.
func claimedStore(t *testing.T, key string) webhook.Store {
	t.Helper()
	s, err := webhook.NewMemoryStore(nil)
	require.NoError(t, err)
	res, err := s.Claim(context.Background(), webhook.ClaimRequest{Key: key, TTL: time.Minute})
	require.NoError(t, err)
	require.Equal(t, webhook.Claimed, res.Status)
	return s
}
