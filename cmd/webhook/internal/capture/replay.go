package capture

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/signedhooks/webhook"
)

// RawBody returns the body of d as received.
func (d *Delivery) RawBody() ([]byte, error) {
	if d.BodyEncoding == EncodingBase64 {
		return base64.StdEncoding.DecodeString(d.Body)
	}
	return []byte(d.Body), nil
}

// ReplayOptions configures [Replay]. The zero value gives the defaults.
type ReplayOptions struct {
	// Signer, when not nil, signs the body afresh under the delivery's
	// message id. Default: nil, the original headers go as captured.
	Signer webhook.HeaderSigner

	// Client sends the request. Default: a client with a 30 second timeout
	// that does not follow redirects.
	Client *http.Client

	// Now returns the time a fresh signature is made at. Default: time.Now.
	Now func() time.Time
}

// Replay sends delivery d again, to target, with its method, headers and
// body as captured, and reports the answer. With opts.Signer the body is
// signed afresh, now, under d's message id (so a receiver's idempotency
// still recognises the message, and its replay guard sees a new
// signature); without one the original signature goes as is, and a
// receiver checking the time refuses it once its tolerance has passed.
// opts nil means the defaults.
//
// It returns an error for a target that is not an absolute http or https
// URL, a body that does not decode, or the signer's error; an unreachable
// target is reported in [Forward.Error] with Status 0.
func Replay(ctx context.Context, d *Delivery, target string, opts *ReplayOptions) (*Forward, error) {
	var o ReplayOptions
	if opts != nil {
		o = *opts
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("capture: replay URL must be an absolute http or https URL")
	}
	body, err := d.RawBody()
	if err != nil {
		return nil, fmt.Errorf("capture: delivery body: %w", err)
	}
	if o.Client == nil {
		o.Client = defaultClient()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	h := d.Header.Clone()
	if h == nil {
		h = make(http.Header)
	}
	if o.Signer != nil {
		if err := o.Signer.SignHeaders(h, d.ID, o.Now(), body); err != nil {
			return nil, err
		}
	}
	method := d.Method
	if method == "" {
		method = http.MethodPost
	}
	return send(ctx, o.Client, method, target, h, body), nil
}

// maxReplayRequest bounds the page's replay request.
const maxReplayRequest = 8 << 10

// replayRequest is what the page posts to /history/{n}/replay.
type replayRequest struct {
	// URL is where to send the delivery.
	URL string `json:"url"`
	// Resign asks for a fresh signature from the Server's Signer.
	Resign bool `json:"resign"`
}

// serveReplay answers POST /history/{n}/replay: it sends delivery n to the
// URL in the JSON request and answers the [Forward] outcome. Only the
// page's own origin may ask: the request must be JSON (a cross-site form
// cannot send that, and a cross-site fetch of it needs a preflight this
// server never grants) and any Origin must be this server's.
func (s *Server) serveReplay(w http.ResponseWriter, r *http.Request, n string) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "replay with POST"})
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" || !sameOrigin(r) {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "replay only from the live page"})
		return
	}
	var req replayRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, maxReplayRequest)).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "want {\"url\": ..., \"resign\": bool}"})
		return
	}
	seq, err := strconv.ParseInt(n, 10, 64)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "delivery number must be an integer"})
		return
	}
	s.mu.Lock()
	e := s.hist.get(seq)
	s.mu.Unlock()
	if e == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such delivery in the history"})
		return
	}
	o := &ReplayOptions{Client: s.client, Now: s.opts.Now}
	if req.Resign {
		if s.opts.Signer == nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "no secret: start listen with one to re-sign"})
			return
		}
		o.Signer = s.opts.Signer
	}
	f, err := Replay(r.Context(), e.d, req.URL, o)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, f)
}

// sameOrigin reports whether r carries no Origin or this server's own.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return r.Header.Get("Sec-Fetch-Site") == "" || r.Header.Get("Sec-Fetch-Site") == "same-origin"
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}
