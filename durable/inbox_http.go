package durable

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/tidwall/gjson"

	webhook "github.com/signedhooks/webhook"
)

// ServeHTTP stores the request as an event and answers 202
// {"status":"accepted"} (or {"status":"duplicate"} when an event with this
// id is already stored). It trusts the request: put it behind the verifying
// middleware ([webhook.Middleware]), whose event (id, type, timestamp,
// payload) it stores as is. Without one in the context it reads the id and
// timestamp headers and the JSON body's "event" or "type" field. A body
// over MaxBodyBytes is answered 413, an id over 255 bytes 400, and a
// database failure 503 with Retry-After, so the sender tries again later;
// errors carry the core's one JSON shape, [webhook.ErrorResponse] (codes
// body_too_large, unreadable_body, invalid_id, store_unavailable).
func (in *Inbox[TTx]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ev, ok := webhook.EventFromContext(r.Context())
	if !ok {
		var status int
		if ev, status = in.readEvent(w, r); status != 0 {
			return
		}
	}
	if len(ev.ID) > 255 {
		webhook.WriteError(w, http.StatusBadRequest, webhook.ErrorResponse{Code: "invalid_id", Message: "the message id is longer than 255 bytes"})
		return
	}
	if int64(len(ev.Payload)) > in.opts.MaxBodyBytes {
		webhook.WriteError(w, http.StatusRequestEntityTooLarge, webhook.ErrorResponse{Code: "body_too_large"})
		return
	}
	dup, err := in.Store(r.Context(), ev)
	if err != nil {
		in.rt.opts.Logger.Error("durable: storing event", "id", ev.ID, "error", err)
		w.Header().Set("Retry-After", "5")
		webhook.WriteError(w, http.StatusServiceUnavailable, webhook.ErrorResponse{Code: "store_unavailable"})
		return
	}
	if dup {
		writeJSON(w, http.StatusAccepted, `{"status":"duplicate"}`)
		return
	}
	writeJSON(w, http.StatusAccepted, `{"status":"accepted"}`)
}

// readEvent builds the event from a request that reached the inbox without
// the middleware. On failure it has answered and returns a non-zero status.
func (in *Inbox[TTx]) readEvent(w http.ResponseWriter, r *http.Request) (webhook.Event, int) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, in.opts.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			webhook.WriteError(w, http.StatusRequestEntityTooLarge, webhook.ErrorResponse{Code: "body_too_large"})
			return webhook.Event{}, http.StatusRequestEntityTooLarge
		}
		webhook.WriteError(w, http.StatusBadRequest, webhook.ErrorResponse{Code: "unreadable_body"})
		return webhook.Event{}, http.StatusBadRequest
	}
	ev := webhook.Event{ID: r.Header.Get(in.opts.IDHeader), Payload: body}
	if ts, err := strconv.ParseInt(r.Header.Get(in.opts.TimestampHeader), 10, 64); err == nil {
		ev.Timestamp = time.Unix(ts, 0)
	}
	if gjson.ValidBytes(body) {
		res := gjson.GetManyBytes(body, "event", "type")
		ev.Type = res[0].String()
		if ev.Type == "" {
			ev.Type = res[1].String()
		}
		if len(ev.Type) > 255 {
			ev.Type = ev.Type[:255]
		}
	}
	return ev, 0
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body+"\n")
}
