package webhook_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/signedhooks/webhook"
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
				cpu := processCPU()
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
