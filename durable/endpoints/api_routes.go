package endpoints

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

func (a *api[TTx]) routes(mux *http.ServeMux) {
	e := a.e
	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(openAPIDocument)
	})
	mux.HandleFunc("GET /event-types", func(w http.ResponseWriter, r *http.Request) {
		types := e.EventTypes()
		if types == nil {
			types = []EventType{}
		}
		a.answer(w, r, http.StatusOK, Page[EventType]{Items: types}, nil)
	})
	mux.HandleFunc("POST /applications", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}
		if !a.decode(w, r, &in) {
			return
		}
		app, err := e.CreateApplication(r.Context(), in.ID, in.Name)
		a.answer(w, r, http.StatusCreated, app, err)
	})
	mux.HandleFunc("GET /applications", func(w http.ResponseWriter, r *http.Request) {
		limit, ok := a.limit(w, r)
		if !ok {
			return
		}
		p, err := e.ListApplications(r.Context(), r.URL.Query().Get("cursor"), limit)
		a.answer(w, r, http.StatusOK, p, err)
	})
	mux.HandleFunc("GET /applications/{app}", func(w http.ResponseWriter, r *http.Request) {
		app, err := e.GetApplication(r.Context(), r.PathValue("app"))
		a.answer(w, r, http.StatusOK, app, err)
	})
	mux.HandleFunc("DELETE /applications/{app}", func(w http.ResponseWriter, r *http.Request) {
		err := e.DeleteApplication(r.Context(), r.PathValue("app"))
		a.answer(w, r, http.StatusNoContent, nil, err)
	})
	mux.HandleFunc("GET /applications/{app}/endpoints", func(w http.ResponseWriter, r *http.Request) {
		eps, err := e.ListEndpoints(r.Context(), r.PathValue("app"))
		a.answer(w, r, http.StatusOK, map[string]any{"items": eps}, err)
	})
	mux.HandleFunc("POST /applications/{app}/endpoints", func(w http.ResponseWriter, r *http.Request) {
		var in Input
		if !a.decode(w, r, &in) {
			return
		}
		ep, secret, err := e.CreateEndpoint(r.Context(), r.PathValue("app"), in)
		a.answer(w, r, http.StatusCreated, endpointWithSecret{ep, secret}, err)
	})
	mux.HandleFunc("GET /applications/{app}/endpoints/{ep}", func(w http.ResponseWriter, r *http.Request) {
		ep, err := e.GetEndpoint(r.Context(), r.PathValue("app"), r.PathValue("ep"))
		a.answer(w, r, http.StatusOK, ep, err)
	})
	mux.HandleFunc("PATCH /applications/{app}/endpoints/{ep}", func(w http.ResponseWriter, r *http.Request) {
		var upd Update
		if !a.decode(w, r, &upd) {
			return
		}
		ep, err := e.UpdateEndpoint(r.Context(), r.PathValue("app"), r.PathValue("ep"), upd)
		a.answer(w, r, http.StatusOK, ep, err)
	})
	mux.HandleFunc("DELETE /applications/{app}/endpoints/{ep}", func(w http.ResponseWriter, r *http.Request) {
		err := e.DeleteEndpoint(r.Context(), r.PathValue("app"), r.PathValue("ep"))
		a.answer(w, r, http.StatusNoContent, nil, err)
	})
	mux.HandleFunc("POST /applications/{app}/endpoints/{ep}/enable", func(w http.ResponseWriter, r *http.Request) {
		ep, err := e.EnableEndpoint(r.Context(), r.PathValue("app"), r.PathValue("ep"))
		a.answer(w, r, http.StatusOK, ep, err)
	})
	mux.HandleFunc("POST /applications/{app}/endpoints/{ep}/disable", func(w http.ResponseWriter, r *http.Request) {
		ep, err := e.DisableEndpoint(r.Context(), r.PathValue("app"), r.PathValue("ep"))
		a.answer(w, r, http.StatusOK, ep, err)
	})
	mux.HandleFunc("POST /applications/{app}/endpoints/{ep}/secret/rotate", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			GraceSeconds int64 `json:"grace_seconds"`
		}
		if r.ContentLength != 0 && !a.decode(w, r, &in) {
			return
		}
		if in.GraceSeconds < 0 || in.GraceSeconds > 30*24*3600 {
			a.fail(w, r, fmt.Errorf("%w: grace_seconds must be between 0 and 30 days", ErrInvalidField))
			return
		}
		secret, err := e.RotateSecret(r.Context(), r.PathValue("app"), r.PathValue("ep"), time.Duration(in.GraceSeconds)*time.Second)
		a.answer(w, r, http.StatusOK, map[string]string{"secret": secret}, err)
	})
	mux.HandleFunc("GET /applications/{app}/endpoints/{ep}/attempts", func(w http.ResponseWriter, r *http.Request) {
		limit, ok := a.limit(w, r)
		if !ok {
			return
		}
		f := AttemptFilter{EndpointID: r.PathValue("ep"), MessageID: r.URL.Query().Get("message_id")}
		p, err := e.ListAttempts(r.Context(), r.PathValue("app"), f, r.URL.Query().Get("cursor"), limit)
		a.answer(w, r, http.StatusOK, p, err)
	})
	mux.HandleFunc("POST /applications/{app}/endpoints/{ep}/messages/{msg}/resend", func(w http.ResponseWriter, r *http.Request) {
		err := e.Resend(r.Context(), r.PathValue("app"), r.PathValue("ep"), r.PathValue("msg"))
		a.answer(w, r, http.StatusAccepted, map[string]string{"status": "queued"}, err)
	})
	mux.HandleFunc("POST /applications/{app}/endpoints/{ep}/recover", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Since *time.Time `json:"since"`
		}
		if !a.decode(w, r, &in) {
			return
		}
		if in.Since == nil {
			a.fail(w, r, fmt.Errorf("%w: since is required (RFC 3339)", ErrInvalidField))
			return
		}
		n, err := e.Recover(r.Context(), r.PathValue("app"), r.PathValue("ep"), *in.Since)
		a.answer(w, r, http.StatusAccepted, map[string]int{"recovered": n}, err)
	})
	mux.HandleFunc("GET /applications/{app}/messages", func(w http.ResponseWriter, r *http.Request) {
		limit, ok := a.limit(w, r)
		if !ok {
			return
		}
		p, err := e.ListMessages(r.Context(), r.PathValue("app"), r.URL.Query().Get("cursor"), limit)
		a.answer(w, r, http.StatusOK, p, err)
	})
	mux.HandleFunc("POST /applications/{app}/messages", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			EventType string          `json:"event_type"`
			Payload   json.RawMessage `json:"payload"`
			ID        string          `json:"id"`
		}
		if !a.decodeLimit(w, r, &in, max(a.opts.MaxBodyBytes, int64(e.opts.MaxPayloadBytes)+4<<10)) {
			return
		}
		if err := checkText("the message id", in.ID); err != nil {
			a.fail(w, r, err)
			return
		}
		res, err := e.Publish(r.Context(), r.PathValue("app"), in.EventType, in.Payload, in.ID)
		status := http.StatusAccepted
		if res.Duplicate {
			status = http.StatusOK
		}
		a.answer(w, r, status, res, err)
	})
	mux.HandleFunc("GET /applications/{app}/messages/{msg}", func(w http.ResponseWriter, r *http.Request) {
		m, err := e.GetMessage(r.Context(), r.PathValue("app"), r.PathValue("msg"))
		a.answer(w, r, http.StatusOK, m, err)
	})
	mux.HandleFunc("GET /applications/{app}/dead-letters", func(w http.ResponseWriter, r *http.Request) {
		limit, ok := a.limit(w, r)
		if !ok {
			return
		}
		q := r.URL.Query()
		p, err := e.ListDeadLetters(r.Context(), r.PathValue("app"), q.Get("endpoint_id"), q.Get("cursor"), limit)
		a.answer(w, r, http.StatusOK, p, err)
	})
	mux.HandleFunc("GET /applications/{app}/endpoints/{ep}/stats", func(w http.ResponseWriter, r *http.Request) {
		var window time.Duration
		if s := r.URL.Query().Get("window_seconds"); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 1 || n > int64(maxStatsWindow/time.Second) {
				a.fail(w, r, fmt.Errorf("%w: window_seconds must be between 1 and %d (30 days)", ErrInvalidField, int64(maxStatsWindow/time.Second)))
				return
			}
			window = time.Duration(n) * time.Second
		}
		st, err := e.Stats(r.Context(), r.PathValue("app"), r.PathValue("ep"), window)
		a.answer(w, r, http.StatusOK, st, err)
	})
	mux.HandleFunc("GET /applications/{app}/messages/{msg}/attempts", func(w http.ResponseWriter, r *http.Request) {
		limit, ok := a.limit(w, r)
		if !ok {
			return
		}
		if _, err := e.GetApplication(r.Context(), r.PathValue("app")); err != nil {
			a.fail(w, r, err)
			return
		}
		f := AttemptFilter{MessageID: r.PathValue("msg")}
		p, err := e.ListAttempts(r.Context(), r.PathValue("app"), f, r.URL.Query().Get("cursor"), limit)
		a.answer(w, r, http.StatusOK, p, err)
	})
}

// endpointWithSecret is the answer to a creation: the only one that shows
// the secret.
type endpointWithSecret struct {
	Endpoint
	Secret string `json:"secret"`
}

func (a *api[TTx]) answer(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	switch {
	case err != nil:
		a.fail(w, r, err)
	case status == http.StatusNoContent:
		w.WriteHeader(status)
	default:
		writeAPI(w, status, v)
	}
}

func (a *api[TTx]) limit(w http.ResponseWriter, r *http.Request) (int, bool) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return 0, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxPageSize {
		a.fail(w, r, fmt.Errorf("%w: limit must be between 1 and %d", ErrInvalidField, MaxPageSize))
		return 0, false
	}
	return n, true
}
