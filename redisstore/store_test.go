package redisstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/redisstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newStore(t testing.TB, client redis.UniversalClient) *redisstore.Store {
	t.Helper()
	return redisstore.New(client, &redisstore.Options{Prefix: uniquePrefix()})
}

func TestNewPanicsOnNilClient(t *testing.T) {
	t.Parallel()
	assert.PanicsWithValue(t, "redisstore: New called with a nil client", func() { redisstore.New(nil, nil) })
}

func TestKeysLiveUnderThePrefix(t *testing.T) {
	t.Parallel()
	client := newClient(t)
	prefix := uniquePrefix()
	s := redisstore.New(client, &redisstore.Options{Prefix: prefix})
	ctx := context.Background()

	res, err := s.Claim(ctx, webhook.ClaimRequest{
		Key: "msg_1", Fingerprint: "fp", TTL: time.Minute,
		ReplayKey: "sig", ReplayTTL: 10 * time.Minute,
	})
	require.NoError(t, err)
	require.Equal(t, webhook.Claimed, res.Status)

	keys, err := client.Keys(ctx, prefix+"*").Result()
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{prefix + "id:msg_1", prefix + "replay:sig"}, keys)

	idTTL, err := client.PTTL(ctx, prefix+"id:msg_1").Result()
	require.NoError(t, err)
	assert.True(t, idTTL > 0 && idTTL <= time.Minute, "id key PTTL %v", idTTL)
	replayTTL, err := client.PTTL(ctx, prefix+"replay:sig").Result()
	require.NoError(t, err)
	assert.True(t, replayTTL > time.Minute && replayTTL <= 10*time.Minute, "replay key PTTL %v", replayTTL)

	require.NoError(t, s.Complete(ctx, "msg_1", res.Token, time.Hour))
	doneTTL, err := client.PTTL(ctx, prefix+"id:msg_1").Result()
	require.NoError(t, err)
	assert.True(t, doneTTL > 10*time.Minute && doneTTL <= time.Hour, "done key PTTL %v", doneTTL)
}

func TestDefaultPrefix(t *testing.T) {
	t.Parallel()
	client := newClient(t)
	s := redisstore.New(client, nil)
	ctx := context.Background()
	key := uniquePrefix()
	res, err := s.Claim(ctx, webhook.ClaimRequest{Key: key, TTL: time.Minute})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Release(context.Background(), key, res.Token) })
	n, err := client.Exists(ctx, redisstore.DefaultPrefix+"id:"+key).Result()
	require.NoError(t, err)
	assert.EqualValues(t, 1, n)
}

func TestOptionsAreCopied(t *testing.T) {
	t.Parallel()
	client := newClient(t)
	opts := &redisstore.Options{Prefix: uniquePrefix()}
	want := opts.Prefix
	s := redisstore.New(client, opts)
	opts.Prefix = "changed:"
	ctx := context.Background()
	_, err := s.Claim(ctx, webhook.ClaimRequest{Key: "k", TTL: time.Minute})
	require.NoError(t, err)
	n, err := client.Exists(ctx, want+"id:k").Result()
	require.NoError(t, err)
	assert.EqualValues(t, 1, n)
}

// After SCRIPT FLUSH (a restart, a failover to a replica that never ran the
// scripts), EVALSHA answers NOSCRIPT and the store falls back to EVAL.
func TestScriptCacheFlushed(t *testing.T) {
	srv := needRedisServer(t)
	client := redis.NewClient(&redis.Options{Addr: srv.addr})
	t.Cleanup(func() { _ = client.Close() })
	s := newStore(t, client)
	ctx := context.Background()

	tests := []struct {
		name string
		req  webhook.ClaimRequest
	}{
		{"pipeline", webhook.ClaimRequest{Key: "a", TTL: time.Minute, ReplayKey: "ra", ReplayTTL: time.Minute}},
		{"key only", webhook.ClaimRequest{Key: "b", TTL: time.Minute}},
		{"replay key only", webhook.ClaimRequest{ReplayKey: "rc", ReplayTTL: time.Minute}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, client.ScriptFlush(ctx).Err())
			res, err := s.Claim(ctx, tc.req)
			require.NoError(t, err)
			require.Equal(t, webhook.Claimed, res.Status)
			if tc.req.Key == "" {
				return
			}
			require.NoError(t, client.ScriptFlush(ctx).Err())
			require.NoError(t, s.Complete(ctx, tc.req.Key, res.Token, time.Minute))
			res2, err := s.Claim(ctx, webhook.ClaimRequest{Key: tc.req.Key, TTL: time.Minute})
			require.NoError(t, err)
			assert.Equal(t, webhook.Done, res2.Status)
		})
	}
	t.Run("release", func(t *testing.T) {
		res, err := s.Claim(ctx, webhook.ClaimRequest{Key: "d", TTL: time.Minute})
		require.NoError(t, err)
		require.NoError(t, client.ScriptFlush(ctx).Err())
		require.NoError(t, s.Release(ctx, "d", res.Token))
	})
}

// go-redis retries a command whose reply was lost (EOF after the server ran
// it). The scripts recognise their own token, so the retry reports what the
// first run did instead of "replayed" or "in flight".
func TestScriptsAreIdempotentPerToken(t *testing.T) {
	t.Parallel()
	client := newClient(t)
	ctx := context.Background()
	prefix := uniquePrefix()
	tok, err := redisstore.NewToken()
	require.NoError(t, err)
	other, err := redisstore.NewToken()
	require.NoError(t, err)

	for i := range 2 {
		n, err := redisstore.ReplayScript.Run(ctx, client, []string{prefix + "r"}, tok, 60000).Int()
		require.NoError(t, err)
		assert.Equal(t, 1, n, "run %d with the recording token", i)
		reply, err := redisstore.ClaimScript.Run(ctx, client, []string{prefix + "k"}, tok, "", "fp", 60000, "0").Slice()
		require.NoError(t, err)
		assert.Equal(t, []any{int64(1)}, reply, "run %d with the owning token", i)
	}
	n, err := redisstore.ReplayScript.Run(ctx, client, []string{prefix + "r"}, other, 60000).Int()
	require.NoError(t, err)
	assert.Equal(t, 0, n, "another token sees a replay")
	reply, err := redisstore.ClaimScript.Run(ctx, client, []string{prefix + "k"}, other, "", "fp2", 60000, "0").Slice()
	require.NoError(t, err)
	require.Len(t, reply, 3)
	assert.Equal(t, []any{int64(3), "fp"}, reply[:2], "another token sees the claim in flight")
}

func TestTokens(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		tok, err := redisstore.NewToken()
		require.NoError(t, err)
		require.Len(t, tok, redisstore.TokenLen)
		require.True(t, redisstore.ValidToken(tok), tok)
		require.False(t, seen[tok], "token %q repeated", tok)
		seen[tok] = true
	}
	for _, bad := range []string{"", "token", "0123456789abcdef0123456789abcde", "0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef0123456789abcdeg"} {
		assert.False(t, redisstore.ValidToken(bad), bad)
	}
}

func TestMillis(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   time.Duration
		want int64
	}{
		{"negative", -time.Second, 1},
		{"zero", 0, 1},
		{"below a millisecond", time.Microsecond, 1},
		{"exact", 150 * time.Millisecond, 150},
		{"rounds up", 150*time.Millisecond + 1, 151},
		{"hours", 24 * time.Hour, 86_400_000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, redisstore.Millis(tc.in))
		})
	}
}

// Two stores (replicas) racing on one key: exactly one claim wins, whether
// the duplicates are copies of one signed request (replays) or retries
// signed afresh.
func TestConcurrentClaimsAcrossStores(t *testing.T) {
	t.Parallel()
	const n = 1000
	tests := []struct {
		name      string
		replayKey func(i int) string
		want      map[webhook.ClaimStatus]int
	}{
		{"one signature", func(int) string { return "sig" }, map[webhook.ClaimStatus]int{webhook.Claimed: 1, webhook.Replayed: n - 1}},
		{"distinct signatures", func(i int) string { return fmt.Sprint("sig", i) }, map[webhook.ClaimStatus]int{webhook.Claimed: 1, webhook.InFlight: n - 1}},
		{"no signature", func(int) string { return "" }, map[webhook.ClaimStatus]int{webhook.Claimed: 1, webhook.InFlight: n - 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			prefix := uniquePrefix()
			stores := []*redisstore.Store{
				redisstore.New(newClient(t), &redisstore.Options{Prefix: prefix}),
				redisstore.New(newClient(t), &redisstore.Options{Prefix: prefix}),
			}
			statuses := make([]webhook.ClaimStatus, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res, err := stores[i%2].Claim(context.Background(), webhook.ClaimRequest{
						Key: "msg", Fingerprint: "fp", TTL: time.Minute,
						ReplayKey: tc.replayKey(i), ReplayTTL: time.Minute,
					})
					statuses[i], errs[i] = res.Status, err
				}()
			}
			wg.Wait()
			got := map[webhook.ClaimStatus]int{}
			for i := range n {
				require.NoError(t, errs[i])
				got[statuses[i]]++
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

// A replay of a signed request whose claim lands first holds the id for a
// moment; the genuine request, arriving with the same signature, takes the
// claim over instead of answering "in flight".
func TestGenuineRequestTakesOverAReplaysClaim(t *testing.T) {
	t.Parallel()
	client := newClient(t)
	prefix := uniquePrefix()
	s := redisstore.New(client, &redisstore.Options{Prefix: prefix})
	ctx := context.Background()
	replayerTok, err := redisstore.NewToken()
	require.NoError(t, err)
	// The replay's claim script ran before the genuine request's.
	reply, err := redisstore.ClaimScript.Run(ctx, client, []string{prefix + "id:msg"},
		replayerTok, redisstore.SigDigest("sig"), "fp", 60000, "0").Slice()
	require.NoError(t, err)
	require.Equal(t, []any{int64(1)}, reply)

	res, err := s.Claim(ctx, webhook.ClaimRequest{Key: "msg", Fingerprint: "fp", TTL: time.Minute, ReplayKey: "sig", ReplayTTL: time.Minute})
	require.NoError(t, err)
	require.Equal(t, webhook.Claimed, res.Status)
	require.ErrorIs(t, s.Release(ctx, "msg", replayerTok), webhook.ErrClaimLost, "the replay's late release changes nothing")
	require.NoError(t, s.Complete(ctx, "msg", res.Token, time.Minute))

	// A request with another signature does not take over.
	res, err = s.Claim(ctx, webhook.ClaimRequest{Key: "msg2", Fingerprint: "fp", TTL: time.Minute, ReplayKey: "sigA", ReplayTTL: time.Minute})
	require.NoError(t, err)
	require.Equal(t, webhook.Claimed, res.Status)
	res2, err := s.Claim(ctx, webhook.ClaimRequest{Key: "msg2", Fingerprint: "fp2", TTL: time.Minute, ReplayKey: "sigB", ReplayTTL: time.Minute})
	require.NoError(t, err)
	require.Equal(t, webhook.InFlight, res2.Status)
	require.Equal(t, "fp", res2.Fingerprint)
}

// Extend moves the expiry of a claim its token owns, in one script that
// compares the token; any other token, or a key no longer claimed, gets
// ErrClaimLost and changes nothing.
func TestExtend(t *testing.T) {
	t.Parallel()
	client := newClient(t)
	prefix := uniquePrefix()
	s := redisstore.New(client, &redisstore.Options{Prefix: prefix})
	ctx := context.Background()
	other, err := redisstore.NewToken()
	require.NoError(t, err)
	claim := func(key string) string {
		t.Helper()
		res, err := s.Claim(ctx, webhook.ClaimRequest{Key: key, Fingerprint: "fp", TTL: time.Minute})
		require.NoError(t, err)
		require.Equal(t, webhook.Claimed, res.Status)
		return res.Token
	}
	pttl := func(key string) time.Duration {
		t.Helper()
		d, err := client.PTTL(ctx, prefix+"id:"+key).Result()
		require.NoError(t, err)
		return d
	}

	tests := []struct {
		name    string
		setup   func(key string) (token string)
		wantErr error
		want    func(t *testing.T, d time.Duration) // the key's PTTL after Extend
	}{
		{"owner", claim, nil, func(t *testing.T, d time.Duration) {
			assert.True(t, d > 9*time.Minute && d <= 10*time.Minute, "PTTL %v", d)
		}},
		{"another token", func(key string) string { claim(key); return other }, webhook.ErrClaimLost, func(t *testing.T, d time.Duration) {
			assert.True(t, d > 0 && d <= time.Minute, "PTTL %v", d)
		}},
		{"malformed token", func(key string) string { claim(key); return "token" }, webhook.ErrClaimLost, func(t *testing.T, d time.Duration) {
			assert.True(t, d > 0 && d <= time.Minute, "PTTL %v", d)
		}},
		{"done", func(key string) string {
			tok := claim(key)
			require.NoError(t, s.Complete(ctx, key, tok, time.Hour))
			return tok
		}, webhook.ErrClaimLost, func(t *testing.T, d time.Duration) {
			assert.True(t, d > 50*time.Minute, "PTTL %v: Extend changed a done key", d)
		}},
		{"released", func(key string) string {
			tok := claim(key)
			require.NoError(t, s.Release(ctx, key, tok))
			return tok
		}, webhook.ErrClaimLost, func(t *testing.T, d time.Duration) {
			assert.Equal(t, time.Duration(-2), d, "Extend created the key")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			key := tc.name
			token := tc.setup(key)
			err := s.Extend(ctx, key, token, 10*time.Minute)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
			} else {
				require.NoError(t, err)
			}
			tc.want(t, pttl(key))
		})
	}
}
