package webhook

import (
	"context"
	"errors"
	"hash/crc32"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// Defaults used by [Middleware] for zero option fields.
const (
	// DefaultClaimTTL is how long a delivery's claim on its id lasts without
	// being renewed. The middleware renews it while the next handler runs,
	// so it bounds how long a crashed process keeps the id from a retry,
	// not how long a handler may run.
	DefaultClaimTTL = time.Minute

	// DefaultDoneTTL is how long a processed id is remembered, so that
	// duplicates within it are acknowledged without running the handler.
	DefaultDoneTTL = 24 * time.Hour

	// DefaultReplayWindow is how long a signature is remembered when the
	// authenticator does not say (a scheme without timestamps): twice the
	// default timestamp tolerance.
	DefaultReplayWindow = 2 * DefaultTolerance
)

// storeRetryAfter is the Retry-After sent with 503 when the store fails.
const storeRetryAfter = 5 * time.Second

// MiddlewareOptions configures [Middleware]. The zero value gives the
// defaults; a nil *MiddlewareOptions is the same as the zero value. The
// options are copied: later changes have no effect.
type MiddlewareOptions struct {
	// Store records claims on message ids and seen signatures. Use a shared
	// store (Redis) when several replicas receive the same webhooks.
	// Default: a new [MemoryStore] with default options, one per call of
	// [Middleware].
	Store Store

	// MaxBodyBytes is the largest body read; larger ones are answered 413.
	// Default: the authenticator's MaxBodyBytes() when it has that method
	// (a [Verifier] does), otherwise [DefaultMaxBodyBytes].
	MaxBodyBytes int64

	// ClaimTTL is how long a delivery's claim on its id lasts without being
	// renewed. While the next handler runs, the middleware renews the claim
	// with [Store.Extend] (first after ClaimTTL/4 to ClaimTTL/2, then every
	// ClaimTTL/4), so a handler may run for longer and still marks the id
	// done, and no retry runs beside it; if the process dies, a retry can
	// run ClaimTTL after the last renewal. A 409 in flight asks for a retry
	// after at most ClaimTTL/4.
	// Default: [DefaultClaimTTL].
	ClaimTTL time.Duration

	// DoneTTL is how long a processed id is remembered. Keep it above the
	// sender's retry horizon. Default: [DefaultDoneTTL].
	DoneTTL time.Duration

	// ReplayWindow is how long a signature is remembered when the
	// authenticator returns a zero [Authenticated.ReplayWindow].
	// Default: [DefaultReplayWindow].
	ReplayWindow time.Duration

	// IDField, when set, names a top-level field of the JSON body that holds
	// the message id (a string or a number), used instead of the
	// authenticator's id (the id header). Unlike the header, the body is
	// signed. A body without the field is not deduplicated by id.
	// Default: "", use the authenticator's id.
	IDField string

	// TypeFields name the top-level fields of the JSON body that hold the
	// event type, in order of preference, when the authenticator gives no
	// type. The body is scanned for it once, when the type is first read:
	// by [EventFromContext] (a [Mux]'s included), OnOutcome or Logger; a
	// handler that never reads it does not pay for the scan.
	// Default: "event" (the reference format), then "type".
	TypeFields []string

	// RejectFingerprintMismatch answers 422 {"error":"fingerprint_mismatch"}
	// to a duplicate id whose body differs from the first delivery's.
	// Default false: such a duplicate is answered like any other (200
	// already_processed, or 409 while in flight), logged at Warn and
	// reported with [Outcome.FingerprintMismatch]. Acknowledging is the
	// default because the usual cause is benign, a sender that re-serialises
	// the payload or adds an attempt counter on retry, while a 422 makes the
	// sender record failures for a message that was processed, and can get
	// the endpoint disabled.
	RejectFingerprintMismatch bool

	// ErrorFunc, when set, writes the body of every error answer of the
	// middleware instead of the default JSON [ErrorResponse], for users who
	// need their own bodies. It is called with the status the middleware
	// answers, and e with the code and message that the default would send
	// (never the reason a verification failed); Retry-After is already set
	// when the case has one. It may set headers and write a body; the status
	// stays the documented one whatever it passes to WriteHeader, so that
	// senders' retries behave as documented. It must be safe for concurrent
	// use. Answers with a status body (200 {"status":"already_processed"})
	// do not go through it, nor do the next handler's own answers (a
	// [Mux]'s included). Default: nil, the JSON [ErrorResponse].
	ErrorFunc func(w http.ResponseWriter, r *http.Request, status int, e ErrorResponse)

	// OnOutcome, when set, is called once per request with what happened,
	// after the response; use it to feed metrics. It must be safe for
	// concurrent use and should be quick. Default: nil.
	OnOutcome func(ctx context.Context, o Outcome)

	// Logger, when set, receives one line per request: "webhook delivery"
	// with the outcome, status, id, type, latency and error. Processed,
	// ignored and duplicate deliveries log at Info, rejected, replayed,
	// unprocessable and mismatched ones at Warn, failures at Error. A claim
	// that could not be renewed gets its own line (Warn, or Error when it
	// was lost). Secrets are never logged, and payloads only through
	// LogPayload. Default: nil, which logs nothing.
	Logger *slog.Logger

	// LogPayload, when set with Logger, is called for the Warn and Error
	// lines of verified requests and its result logged as "payload", so a
	// failed delivery can be found and replayed. Return the payload with
	// secrets and personal data removed. Default: nil, payloads are never
	// logged.
	LogPayload func(ev Event) slog.Value
}

// Middleware returns middleware that lets only genuine, fresh, first-time
// deliveries reach the next handler. For each request it
//
//  1. reads the body, at most MaxBodyBytes (413 beyond);
//  2. authenticates it with auth (400 for a missing or malformed signature,
//     401 for a wrong or expired one; the reason goes to the hook and the
//     log, never to the client);
//  3. refuses a signature already seen within the replay window (409 with
//     Retry-After), since the id header is not signed;
//  4. claims the message id: a duplicate of a processed message gets 200
//     {"status":"already_processed"}, one still in progress 409 with
//     Retry-After;
//  5. calls next, with the body readable again and the [Event] in the
//     context (see [EventFromContext]), keeping the claim alive while it
//     runs (see [MiddlewareOptions.ClaimTTL]);
//  6. marks the id done if next answered 2xx (a [Mux]'s ignored and
//     unprocessable answers included), or releases it otherwise and on a
//     panic (which then continues), so that the sender's retry runs.
//
// A store error answers 503 with Retry-After and marks nothing done; it is
// never a 200. Responses are JSON: an [ErrorResponse]
// {"error":"<code>","message":"..."} (or what [MiddlewareOptions.ErrorFunc]
// writes) or {"status":"..."}.
// Requests without an id are not deduplicated, but the replay guard still
// applies.
//
// The result can wrap any number of handlers, and works with routers' Use
// methods. Middleware panics if auth is nil or an option is negative.
func Middleware(auth Authenticator, opts *MiddlewareOptions) func(http.Handler) http.Handler {
	m := newMiddleware(auth, opts)
	return func(next http.Handler) http.Handler {
		return &guarded{m: m, next: next}
	}
}

// middleware is the configuration shared by every handler it wraps.
type middleware struct {
	auth           Authenticator
	store          Store
	maxBody        int64
	claimTTL       time.Duration
	keeper         *keeper // renews claims while next runs
	doneTTL        time.Duration
	replayWindow   time.Duration
	idField        []string // nil: the authenticator's id
	typeFields     []string
	rejectMismatch bool
	errorFunc      func(http.ResponseWriter, *http.Request, int, ErrorResponse)
	onOutcome      func(context.Context, Outcome)
	logger         *slog.Logger
	logPayload     func(Event) slog.Value
}

func newMiddleware(auth Authenticator, opts *MiddlewareOptions) *middleware {
	if auth == nil {
		panic("webhook: Middleware with a nil Authenticator")
	}
	var o MiddlewareOptions
	if opts != nil {
		o = *opts
	}
	if o.MaxBodyBytes < 0 || o.ClaimTTL < 0 || o.DoneTTL < 0 || o.ReplayWindow < 0 {
		panic("webhook: Middleware with a negative option")
	}
	m := &middleware{
		auth:           auth,
		store:          o.Store,
		maxBody:        o.MaxBodyBytes,
		claimTTL:       durOr(o.ClaimTTL, DefaultClaimTTL),
		doneTTL:        durOr(o.DoneTTL, DefaultDoneTTL),
		replayWindow:   durOr(o.ReplayWindow, DefaultReplayWindow),
		typeFields:     append([]string(nil), o.TypeFields...),
		rejectMismatch: o.RejectFingerprintMismatch,
		errorFunc:      o.ErrorFunc,
		onOutcome:      o.OnOutcome,
		logger:         o.Logger,
		logPayload:     o.LogPayload,
	}
	if m.store == nil {
		s, err := NewMemoryStore(nil)
		if err != nil {
			panic(err)
		}
		m.store = s
	}
	m.keeper = newKeeper(m.store, m.claimTTL, m.logger)
	if m.maxBody == 0 {
		m.maxBody = DefaultMaxBodyBytes
		if l, ok := auth.(interface{ MaxBodyBytes() int64 }); ok && l.MaxBodyBytes() > 0 {
			m.maxBody = l.MaxBodyBytes()
		}
	}
	if o.IDField != "" {
		m.idField = []string{o.IDField}
	}
	if len(m.typeFields) == 0 {
		m.typeFields = []string{"event", "type"}
	}
	return m
}

func durOr(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// castagnoli is the CRC-32C table; CRC-32C is computed in hardware on
// amd64 and arm64.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// bodyFingerprint identifies a body for duplicate-mismatch detection: its
// length and CRC-32C. It is not collision resistant, and need not be: the
// body is authenticated, so only the sender, not an attacker, chooses it.
// A cryptographic hash would cost more than the rest of the middleware.
func bodyFingerprint(body []byte) string {
	var buf [32]byte
	b := strconv.AppendInt(buf[:0], int64(len(body)), 10)
	b = append(b, '-')
	b = strconv.AppendUint(b, uint64(crc32.Checksum(body, castagnoli)), 16)
	return string(b)
}

// rejection maps a body or authentication error onto a status and an
// error value for the client.
func rejection(err error, reading bool) (int, string) {
	switch {
	case errors.Is(err, ErrBodyTooLarge):
		return http.StatusRequestEntityTooLarge, errBodyTooLarge
	case reading:
		return http.StatusBadRequest, errUnreadableBody
	case errors.Is(err, ErrMissingSignature):
		return http.StatusBadRequest, errMissingSignature
	case errors.Is(err, ErrInvalidHeader):
		return http.StatusBadRequest, errMalformedSignature
	}
	return http.StatusUnauthorized, errUnauthorized
}
