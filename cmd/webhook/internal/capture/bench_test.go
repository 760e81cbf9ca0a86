package capture

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signedhooks/webhook"
)

// BenchmarkListen measures captured deliveries per second through a real
// loopback server, with history on, from concurrent senders on keep-alive
// connections.
func BenchmarkListen(b *testing.B) {
	body := []byte(`{"event":"invoice.paid","data":{"id":"inv_123","amount":4200,"currency":"eur","customer":"cus_456","lines":[{"sku":"a","qty":1},{"sku":"b","qty":2}],"note":"` + strings.Repeat("x", 80) + `"}}`)
	for _, bc := range []struct {
		name   string
		verify bool
		print  bool
	}{{"verify", true, false}, {"noverify", false, false}, {"verify+print", true, true}} {
		b.Run(bc.name, func(b *testing.B) {
			o := &Options{History: DefaultHistory, Now: func() time.Time { return testNow }}
			if bc.verify {
				o.Authenticator = testVerifier(b)
			}
			if bc.print {
				o.Log = io.Discard // the full report: headers and pretty body
			}
			s, err := New(o)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			srv := &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
			go func() { _ = srv.Serve(ln) }()
			defer srv.Close()

			const senders = 16
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders, MaxConnsPerHost: senders}}
			defer client.CloseIdleConnections()
			url := "http://" + ln.Addr().String() + "/webhook"
			sig := testSigner(b).Sign(testNow, body)
			var ids atomic.Int64

			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			b.SetParallelism((senders + 1) / 2) // GOMAXPROCS(2) x 8 = 16 senders here
			b.ResetTimer()
			cpu0 := cpuTime()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set(webhook.SignatureHeader, sig)
					req.Header.Set(webhook.IDHeader, "msg_"+strconv.FormatInt(ids.Add(1), 10))
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
			if cpu := cpuTime() - cpu0; cpu > 0 {
				// Sender and server share the process: this is the CPU cost
				// of both ends of one delivery.
				b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/delivery")
			}
			if s.Len() == 0 {
				b.Fatal("nothing captured")
			}
		})
	}
}

// BenchmarkCaptureHandler measures the capture path alone (read, verify,
// indent, record, answer) without the network, so its share of a delivery
// is visible.
func BenchmarkCaptureHandler(b *testing.B) {
	body := []byte(`{"event":"invoice.paid","data":{"id":"inv_123","amount":4200,"currency":"eur","customer":"cus_456","lines":[{"sku":"a","qty":1},{"sku":"b","qty":2}],"note":"` + strings.Repeat("x", 80) + `"}}`)
	s, err := New(&Options{Authenticator: testVerifier(b), Now: func() time.Time { return testNow }})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	sig := testSigner(b).Sign(testNow, body)
	header := http.Header{
		"Content-Type":        {"application/json"},
		"X-Webhook-Signature": {sig},
		"X-Webhook-Timestamp": {"1800000000"},
		"X-Webhook-Id":        {"msg_1"},
		"User-Agent":          {"bench"},
	}
	r := httptest.NewRequest(http.MethodPost, "/webhook", nil)
	r.Header = header
	w := &discardWriter{h: make(http.Header)}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.ServeHTTP(w, r)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
}

type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }
