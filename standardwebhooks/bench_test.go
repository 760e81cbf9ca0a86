package standardwebhooks_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/signedhooks/webhook/standardwebhooks"
)

var benchSizes = []int{256, 4 << 10, 64 << 10}

func BenchmarkVerify(b *testing.B) {
	now := time.Unix(1700000000, 0)
	for _, k := range []struct{ name, sign, verify string }{
		{"v1", testSecret, testSecret},
		{"v1a", testPrivate, testPublic},
	} {
		s, _ := standardwebhooks.NewSigner([]string{k.sign}, nil)
		v, _ := standardwebhooks.NewVerifier([]string{k.verify}, &standardwebhooks.VerifierOptions{Now: func() time.Time { return now }})
		for _, n := range benchSizes {
			body := make([]byte, n)
			h := http.Header{}
			if err := s.SignHeaders(h, "msg_p5jXN8AQM9LWM0D4loKWxJek", now, body); err != nil {
				b.Fatal(err)
			}
			b.Run(k.name+"/"+strconv.Itoa(n), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(n))
				for i := 0; i < b.N; i++ {
					if err := v.Verify(h, body); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkSign(b *testing.B) {
	now := time.Unix(1700000000, 0)
	for _, k := range []struct{ name, key string }{{"v1", testSecret}, {"v1a", testPrivate}} {
		s, _ := standardwebhooks.NewSigner([]string{k.key}, nil)
		for _, n := range benchSizes {
			body := make([]byte, n)
			b.Run(k.name+"/"+strconv.Itoa(n), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(n))
				dst := make([]byte, 0, 128)
				for i := 0; i < b.N; i++ {
					if _, err := s.AppendSign(dst, "msg_p5jXN8AQM9LWM0D4loKWxJek", now, body); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
