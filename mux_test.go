package webhook_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
)

// paymentData is the data of the fixtures' payment.succeeded events.
type paymentData struct {
	Payment struct {
		ID     string `json:"id"`
		Amount int    `json:"amount"`
	} `json:"payment"`
}

func TestMuxThroughMiddleware(t *testing.T) {
	t.Parallel()
	var (
		errFlaky  = errors.New("database is down")
		errPoison = errors.New("database says the payment is unknown")
	)
	tests := []struct {
		name     string
		body     string
		handler  webhook.EventHandlerFunc
		status   int
		response string
		kind     webhook.OutcomeKind // the middleware's outcome
		errs     []error             // each matches the outcome's Err
		retryRun bool                // a retry runs the handler again
	}{
		{
			name: "handled",
			body: eventBody,
			handler: func(ctx context.Context, ev webhook.Event) error {
				p, err := webhook.DecodeData[paymentData](ev)
				if err != nil {
					return err
				}
				if p.Payment.Amount != 1200 {
					return errors.New("wrong amount")
				}
				return nil
			},
			status: http.StatusOK, response: `{"status":"ok"}`, kind: webhook.OutcomeProcessed,
		},
		{
			name:     "unknown type acknowledged",
			body:     `{"event":"invalid.event"}`,
			status:   http.StatusOK,
			response: `{"status":"ignored"}`,
			kind:     webhook.OutcomeIgnored,
		},
		{
			name:     "no type acknowledged",
			body:     `[1,2,3]`,
			status:   http.StatusOK,
			response: `{"status":"ignored"}`,
			kind:     webhook.OutcomeIgnored,
		},
		{
			name:     "poison message acknowledged and recorded",
			body:     eventBody,
			handler:  func(context.Context, webhook.Event) error { return webhook.Unprocessable(errPoison) },
			status:   http.StatusOK,
			response: `{"status":"unprocessable"}`,
			kind:     webhook.OutcomeUnprocessable,
			errs:     []error{webhook.ErrUnprocessable, errPoison},
		},
		{
			name:     "handler error is a retryable 500",
			body:     eventBody,
			handler:  func(context.Context, webhook.Event) error { return errFlaky },
			status:   http.StatusInternalServerError,
			response: errorJSON("handler_failed"),
			kind:     webhook.OutcomeFailed,
			retryRun: true,
		},
		{
			name:     "handler panic is a retryable 500",
			body:     eventBody,
			handler:  func(context.Context, webhook.Event) error { panic("nil map") },
			status:   http.StatusInternalServerError,
			response: errorJSON("handler_failed"),
			kind:     webhook.OutcomeFailed,
			retryRun: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			var logs bytes.Buffer
			mux := webhook.NewMux(&webhook.MuxOptions{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
			runs := 0
			if tc.handler != nil {
				mux.HandleFunc("payment.succeeded", func(ctx context.Context, ev webhook.Event) error {
					runs++
					return tc.handler(ctx, ev)
				})
			}
			hook := &recorder{}
			h := webhook.Middleware(f.verifier, &webhook.MiddlewareOptions{OnOutcome: hook.hook})(mux)
			rec := serve(h, f.request(tc.body, "msg_1", mwNow.Add(-time.Second)))
			assert.Equal(t, tc.status, rec.Code)
			assert.JSONEq(t, tc.response, rec.Body.String())
			assert.NotContains(t, rec.Body.String(), "database", "handler errors are not sent")
			o := hook.last(t)
			assert.Equal(t, tc.kind, o.Kind, "outcome %v", o.Kind)
			assert.Equal(t, tc.status, o.Status)
			for _, err := range tc.errs {
				require.ErrorIs(t, o.Err, err)
			}
			if tc.errs == nil && tc.kind != webhook.OutcomeFailed {
				require.NoError(t, o.Err)
			}
			rec = serve(h, f.request(tc.body, "msg_1", mwNow))
			if tc.retryRun {
				assert.Equal(t, tc.status, rec.Code)
				assert.Equal(t, 2, runs, "the retry ran the handler again")
				assert.Contains(t, logs.String(), `"id":"msg_1"`)
			} else {
				assert.JSONEq(t, `{"status":"already_processed"}`, rec.Body.String())
				assert.Equal(t, webhook.OutcomeDuplicate, hook.last(t).Kind)
				assert.LessOrEqual(t, runs, 1, "the retry did not run the handler")
			}
		})
	}
}

func TestMuxDispatch(t *testing.T) {
	t.Parallel()
	var mux webhook.Mux // the zero value works
	var got []string
	mux.HandleFunc("user.created", func(_ context.Context, ev webhook.Event) error {
		got = append(got, ev.ID)
		return nil
	})
	mux.HandleFunc("fail", func(context.Context, webhook.Event) error { return context.DeadlineExceeded })
	mux.HandleFunc("panic", func(context.Context, webhook.Event) error { panic("boom") })
	errPoison := errors.New("no such account")
	mux.HandleFunc("poison", func(context.Context, webhook.Event) error { return webhook.Unprocessable(errPoison) })
	ctx := context.Background()

	require.NoError(t, mux.Dispatch(ctx, webhook.Event{ID: "1", Type: "user.created"}))
	require.NoError(t, mux.Dispatch(ctx, webhook.Event{ID: "2", Type: "unknown"}))
	require.ErrorIs(t, mux.Dispatch(ctx, webhook.Event{Type: "fail"}), context.DeadlineExceeded)
	require.ErrorIs(t, mux.Dispatch(ctx, webhook.Event{Type: "panic"}), webhook.ErrHandlerPanic)
	err := mux.Dispatch(ctx, webhook.Event{Type: "poison"})
	require.ErrorIs(t, err, webhook.ErrUnprocessable, "returned as is, for the inbox to match")
	require.ErrorIs(t, err, errPoison)
	assert.Equal(t, []string{"1"}, got)
	assert.PanicsWithValue(t, http.ErrAbortHandler, func() {
		mux.HandleFunc("abort", func(context.Context, webhook.Event) error { panic(http.ErrAbortHandler) })
		_ = mux.Dispatch(ctx, webhook.Event{Type: "abort"})
	})
}

func TestMuxHandleFuncPanics(t *testing.T) {
	t.Parallel()
	mux := webhook.NewMux(nil)
	h := func(context.Context, webhook.Event) error { return nil }
	mux.HandleFunc("a", h)
	assert.Panics(t, func() { mux.HandleFunc("a", h) }, "duplicate")
	assert.Panics(t, func() { mux.HandleFunc("", h) }, "empty type")
	assert.Panics(t, func() { mux.HandleFunc("b", nil) }, "nil handler")
}

func TestMuxWithoutMiddleware(t *testing.T) {
	t.Parallel()
	mux := webhook.NewMux(nil)
	ran := false
	mux.HandleFunc("payment.succeeded", func(context.Context, webhook.Event) error { ran = true; return nil })
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(eventBody)))
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.JSONEq(t, errorJSON("no_verified_event"), rec.Body.String())
	assert.False(t, ran, "an unverified request runs nothing")
}

func TestDecodeData(t *testing.T) {
	t.Parallel()
	ev := webhook.Event{Type: "x", Payload: []byte(`{"event":"x","data":{"payment":{"amount":5}}}`)}
	p, err := webhook.DecodeData[paymentData](ev)
	require.NoError(t, err)
	assert.Equal(t, 5, p.Payment.Amount)
	_, err = webhook.DecodeData[paymentData](webhook.Event{Payload: []byte(`{`)})
	require.ErrorIs(t, err, webhook.ErrNoData)
	_, err = webhook.DecodeData[paymentData](webhook.Event{Payload: []byte(`{"payment":{"amount":5}}`)})
	require.ErrorIs(t, err, webhook.ErrNoData, "a body without an envelope is not silently zero")
	_, err = webhook.DecodeData[paymentData](webhook.Event{Payload: []byte(`{"data":{"payment":{"amount":"5"}}}`)})
	require.Error(t, err)
	require.NotErrorIs(t, err, webhook.ErrNoData)
	var whole struct{ Event string }
	require.NoError(t, ev.Decode(&whole))
	assert.Equal(t, "x", whole.Event)
	_, ok := webhook.EventFromContext(context.Background())
	assert.False(t, ok)
}

func TestUnprocessable(t *testing.T) {
	t.Parallel()
	cause := errors.New("amount is not a number")
	err := webhook.Unprocessable(cause)
	require.ErrorIs(t, err, webhook.ErrUnprocessable)
	require.ErrorIs(t, err, cause)
	assert.Contains(t, err.Error(), cause.Error(), "the cause is kept for the log")
	require.ErrorIs(t, webhook.Unprocessable(nil), webhook.ErrUnprocessable, "never nil: a nil would acknowledge as processed")
	assert.NotErrorIs(t, cause, webhook.ErrUnprocessable)
}

// TestMuxOutcomesLogged checks the middleware's log line and the Mux's own
// line for an ignored and an unprocessable event.
func TestMuxOutcomesLogged(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	var mwLogs, muxLogs bytes.Buffer
	mux := webhook.NewMux(&webhook.MuxOptions{Logger: slog.New(slog.NewJSONHandler(&muxLogs, nil))})
	mux.HandleFunc("payment.succeeded", func(context.Context, webhook.Event) error {
		return webhook.Unprocessable(errors.New("unknown currency XYZ"))
	})
	h := webhook.Middleware(f.verifier, &webhook.MiddlewareOptions{
		Logger: slog.New(slog.NewJSONHandler(&mwLogs, nil)),
	})(mux)
	serve(h, f.request(`{"event":"user.created"}`, "msg_1", mwNow))
	serve(h, f.request(eventBody, "msg_2", mwNow))

	lines := decodeLines(t, &mwLogs)
	require.Len(t, lines, 2)
	assert.Equal(t, "INFO", lines[0]["level"])
	assert.Equal(t, "ignored", lines[0]["outcome"])
	assert.Equal(t, "user.created", lines[0]["type"])
	assert.NotContains(t, lines[0], "error")
	assert.Equal(t, "WARN", lines[1]["level"])
	assert.Equal(t, "unprocessable", lines[1]["outcome"])
	assert.Equal(t, "msg_2", lines[1]["id"])
	assert.Contains(t, lines[1]["error"], "unknown currency XYZ")

	lines = decodeLines(t, &muxLogs)
	require.Len(t, lines, 2)
	assert.Equal(t, "INFO", lines[0]["level"])
	assert.Equal(t, "WARN", lines[1]["level"], "a poison message is not a handler failure")
}
