package durable

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/tidwall/gjson"
)

// ServeHTTP stores the request as an event and answers 202
// {"status":"accepted"} (or {"status":"duplicate"} when an event with this
// id is already stored). It trusts the request: put it behind the verifying
// middleware. A body over MaxBodyBytes is answered 413; a database failure
// 503 with Retry-After, so the sender tries again later.
//
// The id comes from the id header, the timestamp from the timestamp header,
// and the type from the JSON body's "event" field, or "type".
func (in *Inbox[TTx]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, in.opts.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeJSON(w, http.StatusRequestEntityTooLarge, `{"error":"body too large"}`)
			return
		}
		writeJSON(w, http.StatusBadRequest, `{"error":"unreadable body"}`)
		return
	}
	ev := Event{ID: r.Header.Get(in.opts.IDHeader), Payload: body}
	if len(ev.ID) > 255 {
		writeJSON(w, http.StatusBadRequest, `{"error":"id too long"}`)
		return
	}
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
	dup, err := in.Store(r.Context(), ev)
	if err != nil {
		in.opts.Logger.Error("durable: storing event", "id", ev.ID, "error", err)
		w.Header().Set("Retry-After", "5")
		writeJSON(w, http.StatusServiceUnavailable, `{"error":"unavailable"}`)
		return
	}
	if dup {
		writeJSON(w, http.StatusAccepted, `{"status":"duplicate"}`)
		return
	}
	writeJSON(w, http.StatusAccepted, `{"status":"accepted"}`)
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body+"\n")
}
