package webhook_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/internal/cputime"
)

// deliveryBody is a typical small event, 256 bytes.
var deliveryBody = []byte(`{"event":"payment.succeeded","data":{"payment":{"id":"pay_123","amount":2000,"currency":"usd","customer":"cus_456","description":"` + strings.Repeat("x", 256-128-4) + `"}}}`)

func benchServer(b *testing.B) *server {
	return newServer(b, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	})
}

// BenchmarkDelivery compares, in one run, deliveries per second from a
// Sender with a bare http.Client.Do loop posting the same bytes with the
// same headers, sequentially and from 16 concurrent callers, to a loopback
// server. "conns" is the number of connections the server accepted during
// the whole benchmark: it stays at the number of concurrent callers when
// connections are reused. "cpu-ns/op" is the CPU time of the whole process
// (client and server) per delivery: on a busy machine it is a steadier
// measure of cost than wall time, and when the CPU is the limit,
// throughput is its inverse.
func BenchmarkDelivery(b *testing.B) {
	for _, parallel := range []bool{false, true} {
		callers := "callers=1"
		if parallel {
			callers = "callers=16"
		}
		b.Run(callers+"/impl=bare", func(b *testing.B) { benchBare(b, parallel) })
		b.Run(callers+"/impl=sender", func(b *testing.B) { benchSender(b, parallel, webhook.RateLimit{}) })
		b.Run(callers+"/impl=sender+ratelimit", func(b *testing.B) {
			benchSender(b, parallel, webhook.RateLimit{Rate: 1e9, Burst: 1000})
		})
	}
}

func runDeliveries(b *testing.B, parallel bool, srv *server, deliver func() error) {
	b.ReportAllocs()
	b.SetBytes(int64(len(deliveryBody)))
	// Warm up one connection per caller, then count only new ones.
	if err := deliver(); err != nil {
		b.Fatal(err)
	}
	start := srv.conns.Load()
	b.ResetTimer()
	cpu := cputime.Process()
	if parallel {
		b.SetParallelism(8)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := deliver(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	} else {
		for range b.N {
			if err := deliver(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(cputime.Process()-cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(srv.conns.Load()-start), "conns")
}

func benchSender(b *testing.B, parallel bool, limit webhook.RateLimit) {
	srv := benchServer(b)
	s := newTestSender(b, nil, webhook.SenderOptions{RateLimit: limit})
	ctx := context.Background()
	m := webhook.Message{ID: "msg_bench", Type: "payment.succeeded", Payload: deliveryBody}
	runDeliveries(b, parallel, srv, func() error {
		_, err := s.Send(ctx, srv.URL, m)
		return err
	})
}

func benchBare(b *testing.B, parallel bool) {
	srv := benchServer(b)
	signer, err := webhook.NewSigner(senderSecret, nil)
	if err != nil {
		b.Fatal(err)
	}
	// The same headers as a Sender sends, computed once.
	header := http.Header{"User-Agent": {"signedhooks-webhook"}}
	if err := signer.SignHeaders(header, "msg_bench", time.Now(), deliveryBody); err != nil {
		b.Fatal(err)
	}
	// The same connection pool settings as a Sender's.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 512, 64
	client := &http.Client{Transport: tr}
	b.Cleanup(client.CloseIdleConnections)
	ctx := context.Background()
	runDeliveries(b, parallel, srv, func() error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, bytes.NewReader(deliveryBody))
		if err != nil {
			return err
		}
		req.Header = header.Clone()
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return nil
	})
}

// okTransport answers every request with an empty 200 at once, so that a
// benchmark measures only what happens around the network.
type okTransport struct{}

func (okTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Header: http.Header{}, Request: r}, nil
}

// BenchmarkDeliveryOverhead isolates the cost a Sender adds to a delivery
// (signing, the per-attempt timeout, rate-limit bookkeeping, the report)
// by replacing the network with a transport that answers at once; "bare"
// builds and sends the same request with the same headers.
func BenchmarkDeliveryOverhead(b *testing.B) {
	client := &http.Client{Transport: okTransport{}}
	const url = "http://127.0.0.1:8080/webhook"
	b.Run("impl=bare", func(b *testing.B) {
		signer, err := webhook.NewSigner(senderSecret, nil)
		if err != nil {
			b.Fatal(err)
		}
		header := http.Header{"User-Agent": {"signedhooks-webhook"}}
		if err := signer.SignHeaders(header, "msg_bench", time.Now(), deliveryBody); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for range b.N {
			req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, bytes.NewReader(deliveryBody))
			if err != nil {
				b.Fatal(err)
			}
			req.Header = header.Clone()
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
	for _, limit := range []webhook.RateLimit{{}, {Rate: 1e9, Burst: 1000}} {
		name := "impl=sender"
		if limit.Rate != 0 {
			name = "impl=sender+ratelimit"
		}
		b.Run(name, func(b *testing.B) {
			s := newTestSender(b, nil, webhook.SenderOptions{Client: client, RateLimit: limit})
			m := webhook.Message{ID: "msg_bench", Type: "payment.succeeded", Payload: deliveryBody}
			b.ReportAllocs()
			for range b.N {
				if _, err := s.Send(context.Background(), url, m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
