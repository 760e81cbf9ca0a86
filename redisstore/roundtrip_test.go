package redisstore_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/redisstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// roundTrips is a go-redis hook that counts round trips: every command sent
// on its own and every pipeline sent as a whole counts as one.
type roundTrips struct{ n atomic.Int64 }

func (h *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}

func (h *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmds)
	}
}

// countingStore returns a store whose client counts its round trips.
func countingStore(t testing.TB) (*redisstore.Store, *roundTrips) {
	t.Helper()
	client := newClient(t)
	rt := &roundTrips{}
	client.AddHook(rt)
	return redisstore.New(client, &redisstore.Options{Prefix: uniquePrefix()}), rt
}

// The cost of each kind of delivery, in round trips, as the middleware runs
// it: Claim, then Complete when it claimed.
func TestRoundTripsPerDelivery(t *testing.T) {
	t.Parallel()
	s, rt := countingStore(t)
	ctx := context.Background()
	claim := func(key, sig string) webhook.ClaimResult {
		t.Helper()
		res, err := s.Claim(ctx, webhook.ClaimRequest{Key: key, Fingerprint: "fp", TTL: time.Minute, ReplayKey: sig, ReplayTTL: time.Minute})
		require.NoError(t, err)
		return res
	}
	count := func(deliver func()) int64 {
		before := rt.n.Load()
		deliver()
		return rt.n.Load() - before
	}
	deliver := func(key, sig string, want webhook.ClaimStatus) func() {
		return func() {
			res := claim(key, sig)
			require.Equal(t, want, res.Status)
			if res.Status == webhook.Claimed && key != "" {
				require.NoError(t, s.Complete(ctx, key, res.Token, time.Minute))
			}
		}
	}
	// Load the four scripts first: after a restart or SCRIPT FLUSH, the first
	// run of each script costs one more round trip (EVALSHA, then EVAL).
	warm := claim("warm", "warm-sig")
	require.NoError(t, s.Release(ctx, "warm", warm.Token))
	warm = claim("warm", "warm-sig2")
	require.NoError(t, s.Complete(ctx, "warm", warm.Token, time.Minute))

	inFlight := claim("busy", "busy-sig")
	require.Equal(t, webhook.Claimed, inFlight.Status)

	tests := []struct {
		name    string
		deliver func()
		want    int64
	}{
		{"first delivery", deliver("m1", "s1", webhook.Claimed), 2},
		{"duplicate of a done message", deliver("m1", "s2", webhook.Done), 1},
		{"duplicate of a message in flight", deliver("busy", "s3", webhook.InFlight), 1},
		{"replay of a done message", deliver("m1", "s1", webhook.Replayed), 1},
		{"replay under a new id (releases its claim)", deliver("m2", "s1", webhook.Replayed), 2},
		{"first delivery without an id", deliver("", "s4", webhook.Claimed), 1},
		{"first delivery without a signature", deliver("m3", "", webhook.Claimed), 2},
	}
	for _, tc := range tests { // sequential: they share the counter
		assert.Equal(t, tc.want, count(tc.deliver), tc.name)
	}
}

// BenchmarkClaimComplete measures first deliveries (Claim with a replay key,
// then Complete) against the test Redis, one at a time and from many
// goroutines; pairs/s is the throughput.
func BenchmarkClaimComplete(b *testing.B) {
	for _, parallel := range []bool{false, true} {
		b.Run(fmt.Sprintf("parallel=%v", parallel), func(b *testing.B) {
			s, rt := countingStore(b)
			ctx := context.Background()
			var seq atomic.Int64
			pair := func() {
				i := seq.Add(1)
				key, sig := fmt.Sprint("m", i), fmt.Sprint("s", i)
				res, err := s.Claim(ctx, webhook.ClaimRequest{Key: key, Fingerprint: "fp", TTL: time.Minute, ReplayKey: sig, ReplayTTL: time.Minute})
				if err != nil || res.Status != webhook.Claimed {
					b.Errorf("claim: %v %v", res.Status, err)
					return
				}
				if err := s.Complete(ctx, key, res.Token, time.Minute); err != nil {
					b.Error(err)
				}
			}
			pair() // load the scripts
			rt.n.Store(0)
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			if parallel {
				b.SetParallelism(8) // I/O bound: keep 8 per CPU in flight
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						pair()
					}
				})
			} else {
				for i := 0; i < b.N; i++ {
					pair()
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "pairs/s")
			b.ReportMetric(float64(rt.n.Load())/float64(b.N), "roundtrips/op")
		})
	}
}

// BenchmarkDuplicate measures a duplicate of a completed message: one Claim
// with a new replay key that answers Done.
func BenchmarkDuplicate(b *testing.B) {
	s, rt := countingStore(b)
	ctx := context.Background()
	res, err := s.Claim(ctx, webhook.ClaimRequest{Key: "m", TTL: time.Minute})
	require.NoError(b, err)
	require.NoError(b, s.Complete(ctx, "m", res.Token, time.Minute))
	rt.n.Store(0)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := s.Claim(ctx, webhook.ClaimRequest{Key: "m", Fingerprint: "fp", TTL: time.Minute, ReplayKey: fmt.Sprint("s", i), ReplayTTL: time.Minute})
		if err != nil || res.Status != webhook.Done {
			b.Fatalf("claim: %v %v", res.Status, err)
		}
	}
	b.ReportMetric(float64(rt.n.Load())/float64(b.N), "roundtrips/op")
}

// BenchmarkPing is the floor: one PING round trip on the same client.
func BenchmarkPing(b *testing.B) {
	client := newClient(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := client.Ping(ctx).Err(); err != nil {
			b.Fatal(err)
		}
	}
}

// Through the middleware: 2 round trips for a first delivery, 1 for a
// duplicate or a replay.
func TestRoundTripsThroughMiddleware(t *testing.T) {
	t.Parallel()
	s, rt := countingStore(t)
	signer, err := webhook.NewSigner(testSecret, nil)
	require.NoError(t, err)
	verifier, err := webhook.NewVerifier(testSecret, nil)
	require.NoError(t, err)
	h := webhook.Middleware(verifier, &webhook.MiddlewareOptions{Store: s, DoneTTL: time.Minute})(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	now := time.Now()
	deliver := func(id string, ts time.Time) (int, int64) {
		body := []byte(`{"event":"order.paid"}`)
		r := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
		require.NoError(t, signer.SignHeaders(r.Header, id, ts, body))
		w := httptest.NewRecorder()
		before := rt.n.Load()
		h.ServeHTTP(w, r)
		return w.Code, rt.n.Load() - before
	}
	// Load the scripts (signatures differ from the ones below: the replay
	// guard keys on the signature, not the id).
	deliver("warm", now.Add(-10*time.Second))
	deliver("warm", now.Add(-9*time.Second))

	tests := []struct {
		name     string
		id       string
		ts       time.Time
		wantCode int
		want     int64
	}{
		{"first delivery", "m1", now, http.StatusOK, 2},
		{"retry of a processed message", "m1", now.Add(time.Second), http.StatusOK, 1},
		{"replay", "m1", now, http.StatusConflict, 1},
	}
	for _, tc := range tests { // sequential: they share the counter
		code, n := deliver(tc.id, tc.ts)
		assert.Equal(t, tc.wantCode, code, tc.name)
		assert.Equal(t, tc.want, n, tc.name)
	}
}
