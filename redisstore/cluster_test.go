package redisstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/idempotencytest"
	"github.com/signedhooks/webhook/redisstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startCluster starts a three-shard Redis Cluster on loopback (no replicas,
// no persistence), stopped when t ends, and returns its node addresses.
func startCluster(t *testing.T) []string {
	t.Helper()
	const nodes = 3
	var addrs []string
	for range nodes {
		srv, err := startRedisWith(0, "", "--save", "", "--appendonly", "no",
			"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "2000")
		if err != nil {
			unavailable(t, "cannot start a redis-server cluster node: "+err.Error())
		}
		t.Cleanup(srv.stop)
		addrs = append(addrs, srv.addr)
	}
	ctx := context.Background()
	clients := make([]*redis.Client, nodes)
	for i, addr := range addrs {
		clients[i] = redis.NewClient(&redis.Options{Addr: addr})
		defer clients[i].Close()
		lo, hi := i*16384/nodes, (i+1)*16384/nodes-1
		require.NoError(t, clients[i].ClusterAddSlotsRange(ctx, lo, hi).Err())
	}
	for _, addr := range addrs[1:] {
		host, port, _ := strings.Cut(addr, ":")
		require.NoError(t, clients[0].ClusterMeet(ctx, host, port).Err())
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, c := range clients {
		for {
			info, err := c.ClusterInfo(ctx).Result()
			require.NoError(t, err)
			nodesOut, err := c.ClusterNodes(ctx).Result()
			require.NoError(t, err)
			if strings.Contains(info, "cluster_state:ok") && strings.Count(strings.TrimSpace(nodesOut), "\n")+1 == nodes {
				break
			}
			require.True(t, time.Now().Before(deadline), "cluster never became ready: %s", info)
			time.Sleep(50 * time.Millisecond)
		}
	}
	return addrs
}

// The store passes the conformance suite on a Redis Cluster, where the id
// key and the replay key of one claim live on different shards.
func TestCluster(t *testing.T) {
	addrs := startCluster(t)
	newCluster := func(t *testing.T) *redis.ClusterClient {
		c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
		t.Cleanup(func() { _ = c.Close() })
		return c
	}

	t.Run("keys on different shards", func(t *testing.T) {
		c := newCluster(t)
		ctx := context.Background()
		s := redisstore.New(c, &redisstore.Options{Prefix: "p:"})
		// Find an id and a replay key whose slots are served by different
		// nodes, and check that one claim writes both.
		id, replay := "", ""
		for i := 0; id == "" || replay == ""; i++ {
			k := fmt.Sprint("k", i)
			slot, err := c.ClusterKeySlot(ctx, "p:id:"+k).Result()
			require.NoError(t, err)
			rslot, err := c.ClusterKeySlot(ctx, "p:replay:"+k).Result()
			require.NoError(t, err)
			if slot/(16384/3) != rslot/(16384/3) {
				id, replay = k, k
			}
		}
		res, err := s.Claim(ctx, webhook.ClaimRequest{Key: id, Fingerprint: "fp", TTL: time.Minute, ReplayKey: replay, ReplayTTL: time.Minute})
		require.NoError(t, err)
		require.Equal(t, webhook.Claimed, res.Status)
		n, err := c.Exists(ctx, "p:id:"+id).Result()
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		n, err = c.Exists(ctx, "p:replay:"+replay).Result()
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		require.NoError(t, s.Complete(ctx, id, res.Token, time.Minute))
		res, err = s.Claim(ctx, webhook.ClaimRequest{Key: id, TTL: time.Minute, ReplayKey: replay, ReplayTTL: time.Minute})
		require.NoError(t, err)
		assert.Equal(t, webhook.Replayed, res.Status)
	})

	t.Run("conformance", func(t *testing.T) {
		idempotencytest.Run(t, func(t *testing.T) webhook.Store {
			return redisstore.New(newCluster(t), &redisstore.Options{Prefix: uniquePrefix()})
		})
	})
}
