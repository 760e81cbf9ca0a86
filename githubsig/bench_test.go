package githubsig_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"strconv"
	"testing"

	"github.com/signedhooks/webhook/githubsig"
)

func BenchmarkVerify(b *testing.B) {
	v, _ := githubsig.NewVerifier([]string{testSecret}, nil)
	for _, n := range []int{256, 4 << 10, 64 << 10} {
		body := make([]byte, n)
		header := githubsig.Sign(testSecret, body)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(n))
			for i := 0; i < b.N; i++ {
				if err := v.Verify(header, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

var benchSizes = []int{256, 4 << 10, 64 << 10}

// BenchmarkHMACFloor is the floor signing is measured against: one
// HMAC-SHA256 over the body with a pre-keyed MAC that is only Reset.
func BenchmarkHMACFloor(b *testing.B) {
	mac := hmac.New(sha256.New, []byte(testSecret))
	var sum [sha256.Size]byte
	for _, n := range benchSizes {
		body := make([]byte, n)
		b.Run("size="+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(n))
			for i := 0; i < b.N; i++ {
				mac.Reset()
				mac.Write(body)
				mac.Sum(sum[:0])
			}
		})
	}
}

// BenchmarkSign measures Signer.AppendSign, the way to sign many bodies.
func BenchmarkSign(b *testing.B) {
	s, err := githubsig.NewSigner(testSecret, nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range benchSizes {
		body := make([]byte, n)
		b.Run("size="+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(n))
			dst := make([]byte, 0, 128)
			for i := 0; i < b.N; i++ {
				dst = s.AppendSign(dst[:0], body)
			}
		})
	}
}

// BenchmarkSignFunc measures the function Sign, which keys its MAC on every
// call.
func BenchmarkSignFunc(b *testing.B) {
	for _, n := range benchSizes {
		body := make([]byte, n)
		b.Run("size="+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(n))
			for i := 0; i < b.N; i++ {
				githubsig.Sign(testSecret, body)
			}
		})
	}
}
