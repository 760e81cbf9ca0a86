package githubsig_test

import (
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
