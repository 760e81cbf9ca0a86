package compat

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-github/v74/github"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	stripewebhook "github.com/stripe/stripe-go/v82/webhook"

	"github.com/signedhooks/webhook/githubsig"
	sw "github.com/signedhooks/webhook/standardwebhooks"
	"github.com/signedhooks/webhook/stripesig"
)

// The benchmarks are named Scheme/impl=.../size=... so that
// `benchstat -col /impl` sets ours and theirs side by side.

var sizes = []int{256, 4 << 10, 64 << 10}

func body(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return b
}

func run(b *testing.B, impl string, n int, verify func() error) {
	b.Run("impl="+impl+"/size="+strconv.Itoa(n), func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(n))
		cpu := cpuNanos()
		for i := 0; i < b.N; i++ {
			if err := verify(); err != nil {
				b.Fatal(err)
			}
		}
		if cpu := cpuNanos() - cpu; cpu > 0 {
			b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
		}
	})
}

func BenchmarkStandardWebhooks(b *testing.B) {
	theirs, _ := standardwebhooks.NewWebhook(swSecret)
	ours, _ := sw.NewVerifier([]string{swSecret}, nil)
	for _, n := range sizes {
		payload := body(n)
		sig, _ := theirs.Sign(swID, time.Now(), payload)
		h := http.Header{}
		h.Set("webhook-id", swID)
		h.Set("webhook-timestamp", strconv.FormatInt(time.Now().Unix(), 10))
		h.Set("webhook-signature", sig)
		run(b, "theirs", n, func() error { return theirs.Verify(payload, h) })
		run(b, "ours", n, func() error { return ours.Verify(h, payload) })
	}
}

func BenchmarkStripe(b *testing.B) {
	ours, _ := stripesig.NewVerifier([]string{stripeSecret}, nil)
	for _, n := range sizes {
		payload := body(n)
		header := stripesig.Sign([]string{stripeSecret}, time.Now(), payload)
		run(b, "theirs", n, func() error { return stripewebhook.ValidatePayload(payload, header, stripeSecret) })
		run(b, "ours", n, func() error { return ours.Verify(header, payload) })
	}
}

func BenchmarkGitHub(b *testing.B) {
	ours, _ := githubsig.NewVerifier([]string{githubSecret}, nil)
	key := []byte(githubSecret)
	for _, n := range sizes {
		payload := body(n)
		header := githubsig.Sign(githubSecret, payload)
		run(b, "theirs", n, func() error { return github.ValidateSignature(header, payload, key) })
		run(b, "ours", n, func() error { return ours.Verify(header, payload) })
	}
}
