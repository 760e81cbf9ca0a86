package stripesig_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/signedhooks/webhook/stripesig"
)

func BenchmarkVerify(b *testing.B) {
	now := time.Unix(1700000000, 0)
	v, _ := stripesig.NewVerifier([]string{testSecret}, &stripesig.VerifierOptions{Now: func() time.Time { return now }})
	for _, n := range []int{256, 4 << 10, 64 << 10} {
		body := make([]byte, n)
		header := stripesig.Sign([]string{testSecret}, now, body)
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

func BenchmarkAuthenticate(b *testing.B) {
	now := time.Unix(1700000000, 0)
	v, _ := stripesig.NewVerifier([]string{testSecret}, &stripesig.VerifierOptions{Now: func() time.Time { return now }})
	body := []byte(`{"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","object":"event","data":{"object":{"id":"in_1","lines":[1,2,3]}},"type":"invoice.paid"}`)
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Header.Set(stripesig.SignatureHeader, stripesig.Sign([]string{testSecret}, now, body))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := v.Authenticate(r, body); err != nil {
			b.Fatal(err)
		}
	}
}

var benchSizes = []int{256, 4 << 10, 64 << 10}

// BenchmarkHMACFloor is the floor signing is measured against: one
// HMAC-SHA256 over "<t>.<body>" with a pre-keyed MAC that is only Reset.
func BenchmarkHMACFloor(b *testing.B) {
	mac := hmac.New(sha256.New, []byte(testSecret))
	ts := []byte("1700000000.")
	var sum [sha256.Size]byte
	for _, n := range benchSizes {
		body := make([]byte, n)
		b.Run("size="+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(n))
			for i := 0; i < b.N; i++ {
				mac.Reset()
				mac.Write(ts)
				mac.Write(body)
				mac.Sum(sum[:0])
			}
		})
	}
}

// BenchmarkSign measures Signer.AppendSign, the way to sign many bodies.
func BenchmarkSign(b *testing.B) {
	now := time.Unix(1700000000, 0)
	s, err := stripesig.NewSigner([]string{testSecret}, nil)
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
				dst = s.AppendSign(dst[:0], now, body)
			}
		})
	}
}

// BenchmarkSignFunc measures the function Sign, which keys its MACs on
// every call.
func BenchmarkSignFunc(b *testing.B) {
	now := time.Unix(1700000000, 0)
	for _, n := range benchSizes {
		body := make([]byte, n)
		b.Run("size="+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(n))
			for i := 0; i < b.N; i++ {
				stripesig.Sign([]string{testSecret}, now, body)
			}
		})
	}
}
