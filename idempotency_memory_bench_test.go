package webhook_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/internal/cputime"
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
			cpu := cputime.Process()
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

// BenchmarkMemoryStoreLive measures one claim of a new id plus its
// completion in a store that holds a steady number of live ids: a clock
// that ticks once per operation and a DoneTTL of that many ticks keep the
// store at its size, as in a server whose DoneTTL spans that many messages.
// Compare the sizes: the cost should barely grow with the store.
func BenchmarkMemoryStoreLive(b *testing.B) {
	for _, live := range []int{10_000, 1_000_000} {
		var tick atomic.Int64
		start := time.Unix(1_700_000_000, 0)
		s, err := webhook.NewMemoryStore(&webhook.MemoryStoreOptions{
			MaxEntries: 4 * live,
			Now:        func() time.Time { return start.Add(time.Duration(tick.Load())) },
		})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		// Ids shaped like NewMessageID's, distinct for each operation.
		buf := []byte("msg_2bv0kq8rz3xy6wp")
		n := len(buf)
		op := func() {
			key := string(strconv.AppendUint(buf[:n], uint64(tick.Add(1)), 36))
			res, err := s.Claim(ctx, webhook.ClaimRequest{Key: key, Fingerprint: "4096-8f3a2b1c", TTL: time.Minute})
			if err != nil || res.Status != webhook.Claimed {
				b.Fatalf("Claim: %v %v", res.Status, err)
			}
			if err := s.Complete(ctx, key, res.Token, time.Duration(live)); err != nil {
				b.Fatal(err)
			}
		}
		for range 2 * live { // to the steady state
			op()
		}
		b.Run("live="+strconv.Itoa(live), func(b *testing.B) {
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cputime.Process()
			defer reportCPU(b, cpu)
			for range b.N {
				op()
			}
		})
	}
}
