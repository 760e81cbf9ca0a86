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
// no persistence), stopped when t ends. Node i serves the i-th third of the
// hash slots.
func startCluster(t *testing.T) []*redisServer {
	t.Helper()
	const nodes = 3
	var addrs []string
	var servers []*redisServer
	for range nodes {
		srv, err := startRedisWith(0, "", "--save", "", "--appendonly", "no",
			"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "2000")
		if err != nil {
			unavailable(t, "cannot start a redis-server cluster node: "+err.Error())
		}
		t.Cleanup(srv.stop)
		addrs = append(addrs, srv.addr)
		servers = append(servers, srv)
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
	return servers
}

// nodeOf returns the index of the node that serves key.
func nodeOf(t *testing.T, c *redis.ClusterClient, key string) int {
	t.Helper()
	slot, err := c.ClusterKeySlot(context.Background(), key).Result()
	require.NoError(t, err)
	return int(slot) * 3 / 16384
}

// splitKey returns a key k whose id key and replay key under prefix are
// served by different nodes.
func splitKey(t *testing.T, c *redis.ClusterClient, prefix string) (k string, idNode, replayNode int) {
	t.Helper()
	for i := 0; ; i++ {
		k = fmt.Sprint("k", i)
		idNode, replayNode = nodeOf(t, c, prefix+"id:"+k), nodeOf(t, c, prefix+"replay:"+k)
		if idNode != replayNode {
			return k, idNode, replayNode
		}
	}
}

// The store passes the conformance suite on a Redis Cluster, where the id
// key and the replay key of one claim live on different shards.
func TestCluster(t *testing.T) {
	servers := startCluster(t)
	var addrs []string
	for _, srv := range servers {
		addrs = append(addrs, srv.addr)
	}
	newCluster := func(t *testing.T) *redis.ClusterClient {
		c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
		t.Cleanup(func() { _ = c.Close() })
		return c
	}

	t.Run("keys on different shards", func(t *testing.T) {
		c := newCluster(t)
		ctx := context.Background()
		s := redisstore.New(c, &redisstore.Options{Prefix: "p:"})
		k, _, _ := splitKey(t, c, "p:")
		id, replay := k, k
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

	// Last, as it stops a node: when the replay key's shard is down but the
	// id's answers, Claim fails and leaves the id unclaimed.
	t.Run("replay shard down", func(t *testing.T) {
		c := newCluster(t)
		ctx := context.Background()
		s := redisstore.New(c, &redisstore.Options{Prefix: "down:"})
		k, idNode, replayNode := splitKey(t, c, "down:")
		servers[replayNode].stop()
		_, err := s.Claim(ctx, webhook.ClaimRequest{Key: k, Fingerprint: "fp", TTL: time.Minute, ReplayKey: k, ReplayTTL: time.Minute})
		require.Error(t, err)
		direct := redis.NewClient(&redis.Options{Addr: servers[idNode].addr})
		defer direct.Close()
		n, err := direct.Exists(ctx, "down:id:"+k).Result()
		require.NoError(t, err)
		assert.Zero(t, n, "the id stayed claimed")
	})
}
