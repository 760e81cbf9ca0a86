package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/internal/cputime"
)

var benchSizes = []int{256, 4 << 10, 64 << 10}

func benchBody(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + i%26)
	}
	return b
}

// BenchmarkHMACFloor is the floor Verify is measured against: one
// HMAC-SHA256 over "<t>.<body>" with a pre-keyed MAC that is only Reset.
func BenchmarkHMACFloor(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("size=%d", n), func(b *testing.B) {
			body := benchBody(n)
			mac := hmac.New(sha256.New, testSecret)
			ts := []byte("1732838400.")
			var sum [sha256.Size]byte
			b.SetBytes(int64(n))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				mac.Reset()
				mac.Write(ts)
				mac.Write(body)
				mac.Sum(sum[:0])
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("size=%d", n), func(b *testing.B) {
			body := benchBody(n)
			v, err := webhook.NewVerifier(testSecret, &webhook.VerifierOptions{Now: fixedNow})
			if err != nil {
				b.Fatal(err)
			}
			h := newSigner(b, testSecret).Sign(testTime, body)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			b.ResetTimer()
			defer reportCPU(b, cputime.Process())
			for i := 0; i < b.N; i++ {
				if err := v.Verify(h, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSign(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("size=%d", n), func(b *testing.B) {
			body := benchBody(n)
			s := newSigner(b, testSecret)
			dst := make([]byte, 0, 128)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			b.ResetTimer()
			defer reportCPU(b, cputime.Process())
			for i := 0; i < b.N; i++ {
				dst = s.AppendSign(dst[:0], testTime, body)
			}
		})
	}
}

// BenchmarkVerifyParallel shows that the pooled MACs scale across cores.
func BenchmarkVerifyParallel(b *testing.B) {
	body := benchBody(4 << 10)
	v, err := webhook.NewVerifier(testSecret, &webhook.VerifierOptions{Now: fixedNow})
	if err != nil {
		b.Fatal(err)
	}
	h := newSigner(b, testSecret).Sign(testTime, body)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	defer reportCPU(b, cputime.Process())
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := v.Verify(h, body); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
