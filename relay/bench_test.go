package relay_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	webhook "github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/relay"
	"github.com/signedhooks/webhook/webhooktest"
)

// BenchmarkRelay measures a relay in the process: 8 concurrent providers
// post native-signed events over loopback HTTP; each is verified, stored,
// answered 202, routed and delivered to one destination, which verifies
// it. It reports accepted events/s (the providers' view), delivered
// events/s (the last arrival), and the latency from the post to the
// destination's receipt, p50 and p99. Compare with durable's
// BenchmarkInboxEndToEnd, run in the same session.
func BenchmarkRelay(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchRelay(b, filepath.Join(b.TempDir(), "relay.db")) })
	b.Run("postgres", func(b *testing.B) {
		base := os.Getenv("DATABASE_URL")
		if base == "" {
			b.Skip("DATABASE_URL is not set")
		}
		benchRelay(b, freshPostgres(b, base))
	})
}

func freshPostgres(b *testing.B, base string) string {
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	require.NoError(b, err)
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	name := "relay_bench_" + hex.EncodeToString(rnd[:])
	_, err = admin.Exec(ctx, "CREATE DATABASE "+name)
	require.NoError(b, err)
	b.Cleanup(func() {
		_, _ = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		_ = admin.Close(ctx)
	})
	u, err := url.Parse(base)
	require.NoError(b, err)
	u.Path = "/" + name
	return u.String()
}

func benchRelay(b *testing.B, database string) {
	ctx := context.Background()
	destSecret := webhook.FormatSecret([]byte("bench-destination-secret"))
	key, _ := webhook.ParseSecret(destSecret)
	verifier, err := webhook.NewVerifier(key, nil)
	require.NoError(b, err)

	var mu sync.Mutex
	sent := map[string]time.Time{}
	var latencies []time.Duration
	var delivered atomic.Int64
	dest := httptest.NewServer(webhook.Middleware(verifier, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, _ := webhook.EventFromContext(r.Context())
		now := time.Now()
		mu.Lock()
		if at, ok := sent[ev.ID]; ok {
			latencies = append(latencies, now.Sub(at))
		}
		mu.Unlock()
		delivered.Add(1)
	})))
	defer dest.Close()

	sourceSecret := webhook.FormatSecret([]byte("bench-source-secret-0123"))
	text := `database: ` + database + `
sources:
  - {name: n, path: /in, scheme: native, secret_env: SOURCE}
destinations:
  - {name: d, url: "` + dest.URL + `/hooks", secret_env: DEST, allow_private_network: true}
routes:
  - {source: n, to: [d]}
delivery: {poll_interval: 20ms}
`
	env := map[string]string{"SOURCE": sourceSecret, "DEST": destSecret}
	cfg, err := relay.ParseConfig([]byte(text), &relay.ConfigOptions{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	require.NoError(b, err)
	rl, err := relay.New(ctx, cfg, nil)
	require.NoError(b, err)
	defer rl.Close(ctx)
	require.NoError(b, rl.Start(ctx))
	in := httptest.NewServer(rl.Handler())
	defer in.Close()

	signer := webhooktest.Native(sourceSecret)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	run := strconv.FormatInt(time.Now().UnixNano(), 36)

	b.ResetTimer()
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				id := run + "-" + strconv.FormatInt(i, 10)
				// The native scheme signs the body and the time, not the
				// id: identical bodies signed in one second would be replays.
				body := []byte(`{"event":"order.created","data":{"id":"` + id + `","amount":4200}}`)
				req, _ := http.NewRequest(http.MethodPost, in.URL+"/in", strings.NewReader(string(body)))
				if err := signer.SignHeaders(req.Header, id, time.Now(), body); err != nil {
					b.Error(err)
					return
				}
				mu.Lock()
				sent["n:"+id] = time.Now()
				mu.Unlock()
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		}()
	}
	wg.Wait()
	accepted := time.Since(start)
	deadline := time.Now().Add(5 * time.Minute)
	for delivered.Load() < int64(b.N) {
		if b.Failed() {
			b.FailNow()
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d delivered", delivered.Load(), b.N)
		}
		time.Sleep(time.Millisecond)
	}
	all := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/accepted.Seconds(), "accepted/s")
	b.ReportMetric(float64(b.N)/all.Seconds(), "delivered/s")
	mu.Lock()
	slices.Sort(latencies)
	l := latencies
	mu.Unlock()
	if len(l) > 0 {
		b.ReportMetric(float64(l[len(l)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(l[len(l)*99/100].Microseconds())/1000, "p99-ms")
	}
}
