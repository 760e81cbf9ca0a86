package webhook_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signedhooks/webhook"
)

// BenchmarkMemoryStoreClaimComplete measures one claim of a new key plus its
// completion, the work the middleware does per first-time delivery.
func BenchmarkMemoryStoreClaimComplete(b *testing.B) {
	for _, bc := range []struct {
		name string
		ttl  time.Duration // how long completed keys are kept
	}{
		// Keys expire about as fast as they are added: the store stays
		// small and full shards are swept; the steady state of a server.
		{"steady", time.Millisecond},
		// Keys are kept: the maps only grow, up to the bound.
		{"growing", time.Hour},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s, err := webhook.NewMemoryStore(&webhook.MemoryStoreOptions{MaxEntries: 1 << 24})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			var worker atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			cpu := processCPU()
			defer reportCPU(b, cpu)
			b.RunParallel(func(pb *testing.PB) {
				prefix := "msg_" + strconv.FormatInt(worker.Add(1), 10) + "_"
				buf := []byte(prefix)
				for i := 0; pb.Next(); i++ {
					key := string(strconv.AppendInt(buf[:len(prefix)], int64(i), 10))
					res, err := s.Claim(ctx, webhook.ClaimRequest{Key: key, Fingerprint: "fp", TTL: time.Minute})
					if err != nil || res.Status != webhook.Claimed {
						b.Fatalf("Claim: %v %v", res.Status, err)
					}
					if err := s.Complete(ctx, key, res.Token, bc.ttl); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
