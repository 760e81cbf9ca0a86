package webhook_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/internal/cputime"
)

// discardWriter is a ResponseWriter that keeps nothing, so the benchmarks
// measure the handlers rather than a recorder.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkMiddleware compares, per body size, a bare handler that reads the
// body; the same handler behind VerifyRequest (body read plus HMAC); and the
// same handler behind the full Middleware with a MemoryStore. Every request
// is a new message with its own signature, as in production, so each one
// passes the replay guard, claims and completes. Middleware minus verify is
// the cost the middleware adds beyond authentication.
func BenchmarkMiddleware(b *testing.B) {
	secret := []byte("benchmark-secret-0123456789abcdef")
	signer, err := webhook.NewSigner(secret, nil)
	if err != nil {
		b.Fatal(err)
	}
	// Each request is signed at its own second; the timestamp check is off
	// so that any number of distinct signatures verify.
	verifier, err := webhook.NewVerifier(secret, &webhook.VerifierOptions{InsecureSkipTimestampCheck: true})
	if err != nil {
		b.Fatal(err)
	}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) //nolint:errcheck
	})
	for _, size := range []int{256, 4 << 10, 64 << 10} {
		body := bytes.Repeat([]byte("x"), size)
		copy(body, `{"event":"payment.succeeded","data":"`)
		body[size-2], body[size-1] = '"', '}'
		for _, bc := range []struct {
			name string
			h    func() http.Handler
		}{
			{"bare", func() http.Handler { return next }},
			{"verify", func() http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if _, err := verifier.VerifyRequest(r); err != nil {
						b.Fatal(err)
					}
					next.ServeHTTP(w, r)
				})
			}},
			{"middleware", func() http.Handler {
				// Short TTLs keep the store at a steady size, as in a
				// long-running server, instead of growing with b.N.
				return webhook.Middleware(verifier, &webhook.MiddlewareOptions{
					DoneTTL: 10 * time.Millisecond, ReplayWindow: 10 * time.Millisecond,
				})(next)
			}},
		} {
			b.Run(bc.name+"/"+strconv.Itoa(size), func(b *testing.B) {
				h := bc.h()
				// Only the middleware needs a new signature and id per
				// request; the others reuse the first. A ring of them, far
				// longer than the TTLs below, keeps every request new
				// without a b.N-sized heap for the collector to scan.
				n := 1
				if bc.name == "middleware" {
					n = min(b.N, 1<<16)
				}
				sigs := make([]string, n)
				ids := make([]string, n)
				for i := range sigs {
					sigs[i] = signer.Sign(time.Unix(1_000_000_000+int64(i), 0), body)
					ids[i] = "msg_" + strconv.Itoa(i)
				}
				req := httptest.NewRequest(http.MethodPost, "/webhook", nil)
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set(webhook.SignatureHeader, "")
				req.Header.Set(webhook.IDHeader, "")
				sigSlot := req.Header[webhook.SignatureHeader]
				idSlot := req.Header[webhook.IDHeader]
				rd := bytes.NewReader(body)
				w := &discardWriter{h: http.Header{}}
				b.SetBytes(int64(size))
				b.ReportAllocs()
				b.ResetTimer()
				cpu := cputime.Process()
				defer reportCPU(b, cpu)
				for i := 0; i < b.N; i++ {
					sigSlot[0], idSlot[0] = sigs[i%n], ids[i%n]
					rd.Reset(body)
					req.Body = io.NopCloser(rd)
					req.ContentLength = int64(size)
					h.ServeHTTP(w, req)
				}
			})
		}
	}
}

// benchPayload returns a JSON event of exactly size bytes (for sizes of 256
// and up). A Stripe-shaped one carries its type in its last field, after
// the data, as Stripe sends it, so that finding the type means scanning the
// whole body; the native envelope, {"id","event","data"}, carries it near
// the start. The data is a realistic mix of short strings, numbers, nested
// objects and arrays, padded in a description to the size.
func benchPayload(b *testing.B, shape string, size int) []byte {
	var head, tail string
	switch shape {
	case "stripe":
		head = `{"id":"evt_1NG8Du2eZvKYlo2C","object":"event","created":1686089970,"data":{"object":`
		tail = `},"livemode":false,"request":{"id":null},"type":"payment_intent.succeeded"}`
	case "envelope":
		head = `{"id":"msg_2bV0kq8Rz3xY6wP","event":"payment.succeeded","data":`
		tail = `}`
	default:
		b.Fatalf("unknown shape %q", shape)
	}
	item := `{"id":"li_0001","object":"item","amount":1250,"currency":"usd","tax":{"rate":0.2,"included":true},"tags":["a","b"]}`
	open := `{"id":"pi_3MtwBwLkdIwHu7ix","amount":2000,"items":[`
	close := `],"description":"`
	fixed := len(head) + len(`"}`) + len(tail)
	var data []byte
	data = append(data, open...)
	for n := 0; fixed+len(data)+len(item)+1+len(close) <= size-16; n++ {
		if n > 0 {
			data = append(data, ',')
		}
		data = append(data, item...)
	}
	data = append(data, close...)
	for fixed+len(data) < size {
		data = append(data, "Order 6735 "[len(data)%11])
	}
	data = append(data, `"}`...)
	out := append(append([]byte(head), data...), tail...)
	if len(out) != size || !json.Valid(out) {
		b.Fatalf("bad %s payload of %d bytes (want %d): %s", shape, len(out), size, out)
	}
	return out
}

// BenchmarkMiddlewareVsHandwritten runs, side by side on the same bodies,
// a hand-written handler (io.ReadAll + Verifier.Verify, the least a
// receiver can do) and the same no-op handler behind the full Middleware:
// MemoryStore, replay guard and dedupe by id. Each request is built with
// httptest.NewRequest and answered into an httptest.ResponseRecorder, as a
// user would measure it. A third handler, middleware-type, reads the event
// type as a Mux does, which makes the middleware scan the body for it;
// compare with
//
//	benchstat -col /handler
//
// Every request is a new message with its own signature and id, so each
// passes the replay guard, claims and completes. Short TTLs keep the store
// at a steady size (a few thousand entries) instead of growing with b.N.
func BenchmarkMiddlewareVsHandwritten(b *testing.B) {
	secret := []byte("benchmark-secret-0123456789abcdef")
	signer, err := webhook.NewSigner(secret, nil)
	if err != nil {
		b.Fatal(err)
	}
	verifier, err := webhook.NewVerifier(secret, &webhook.VerifierOptions{InsecureSkipTimestampCheck: true})
	if err != nil {
		b.Fatal(err)
	}
	ok := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }
	handwritten := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "unreadable body", http.StatusBadRequest)
			return
		}
		if err := verifier.Verify(r.Header.Get(webhook.SignatureHeader), body); err != nil {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		ok(w, r)
	})
	// The middleware finds the event type in the body only when asked;
	// middleware-type is a handler that asks, as a Mux does.
	readsType := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ev, _ := webhook.EventFromContext(r.Context()); ev.Type == "" {
			b.Fatal("no event type")
		}
		ok(w, r)
	})
	for _, shape := range []string{"stripe", "envelope"} {
		for _, size := range []int{256, 4 << 10} {
			body := benchPayload(b, shape, size)
			for _, handler := range []string{"handwritten", "middleware", "middleware-type"} {
				name := "payload=" + shape + "/size=" + strconv.Itoa(size) + "/handler=" + handler
				b.Run(name, func(b *testing.B) {
					var h http.Handler = handwritten
					if handler != "handwritten" {
						next := http.HandlerFunc(ok)
						if handler == "middleware-type" {
							next = readsType
						}
						h = webhook.Middleware(verifier, &webhook.MiddlewareOptions{
							DoneTTL: 10 * time.Millisecond, ReplayWindow: 10 * time.Millisecond,
						})(next)
					}
					// A ring of signatures and ids, far longer than the
					// TTLs, keeps every request new without a b.N-sized
					// heap. Both handlers get the same ones.
					n := min(b.N, 1<<16)
					sigs := make([]string, n)
					ids := make([]string, n)
					for i := range sigs {
						sigs[i] = signer.Sign(time.Unix(1_000_000_000+int64(i), 0), body)
						ids[i] = "msg_" + strconv.Itoa(i)
					}
					b.SetBytes(int64(size))
					b.ReportAllocs()
					b.ResetTimer()
					cpu := cputime.Process()
					defer reportCPU(b, cpu)
					for i := 0; i < b.N; i++ {
						req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
						req.Header.Set("Content-Type", "application/json")
						req.Header.Set(webhook.SignatureHeader, sigs[i%n])
						req.Header.Set(webhook.IDHeader, ids[i%n])
						rec := httptest.NewRecorder()
						h.ServeHTTP(rec, req)
						if rec.Code != http.StatusOK {
							b.Fatalf("request %d: status %d: %s", i, rec.Code, rec.Body)
						}
					}
				})
			}
		}
	}
}
