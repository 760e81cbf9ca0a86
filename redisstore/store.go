// Package redisstore is a [webhook.Store] backed by Redis, for consumers that
// run several replicas: duplicates that land on different machines meet in
// one Redis and are processed once.
//
// It works with any [redis.UniversalClient]: a single node, Sentinel or
// Cluster. Every command touches a single key, so keys may live on different
// Cluster shards.
//
//	client := redis.NewClient(&redis.Options{Addr: "localhost:6379", ContextTimeoutEnabled: true})
//	store := redisstore.New(client, &redisstore.Options{Prefix: "billing:", Timeout: time.Second})
//	mw := webhook.Middleware(verifier, &webhook.MiddlewareOptions{Store: store})
//
// # Cost
//
// A first delivery takes two round trips (Claim, then Complete or Release); a
// duplicate takes one. Claim sends its replay-key check and its id claim
// together in one pipeline. Each step is a Lua script run with EVALSHA
// (falling back to EVAL once after a restart or SCRIPT FLUSH), so it is
// atomic and compares the ownership token before it writes: a Complete or
// Release from an expired claim never clobbers a newer owner.
//
// # Failures
//
// When Redis cannot answer, every method returns an error within the
// caller's context and [Options.Timeout], whatever the client's own timeouts
// and whether or not it was built with ContextTimeoutEnabled; the middleware
// then answers 503 with Retry-After and marks nothing done, so the sender's
// retry is processed once Redis is back. A call given up on this way goes on
// in the background until the client's own timeouts end it; build the client
// with ContextTimeoutEnabled so that it ends, and frees its connection, at
// the same time. go-redis's defaults retry a failed command 3 times and
// redial up to 5 times per attempt.
//
// A Claim that fails, or is given up on, may still run on the server later
// (a stalled Redis runs what it received once it wakes). So that it does not
// hold the id for the whole claim TTL, Claim then undoes its writes: it
// releases its claim and forgets the replay key it recorded, with a script
// that compares its token, sent after the claim (a stalled Redis, once
// awake, runs what it received in the order it arrived) and retried until
// Redis answers or the claim's TTL ends. Only a claim that the network, not
// Redis, holds back until after its undo still holds its id until its TTL,
// as a crashed worker's would. A sender's retry after a failed Claim carries a new signature, so
// the replay key never stood in its way; it is forgotten so that the failed
// request leaves no trace at all. Undos run in the background, at most 64
// per Store at a time; past that, a failed claim holds its id until its TTL,
// like a crashed worker's.
//
// Processed ids survive a Redis restart only if Redis persists them (AOF) or
// a replica takes over (Sentinel, Cluster).
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/signedhooks/webhook"
)

// DefaultPrefix is the key prefix used when [Options.Prefix] is empty.
const DefaultPrefix = "webhook:"

// maxPendingUndos is how many undos of failed claims (see Failures in the
// package doc) one Store runs at a time.
const maxPendingUndos = 64

// Options configures a [Store]. The zero value gives the defaults.
type Options struct {
	// Prefix is prepended to every key the store writes: idempotency keys
	// become Prefix+"id:"+key and replay keys Prefix+"replay:"+replayKey.
	// Give each application sharing a Redis its own prefix. On a Cluster,
	// a hash tag ("{...}") in it would put every key on one shard.
	// Default: [DefaultPrefix].
	Prefix string

	// Timeout bounds each call, on top of the caller's context: a call
	// returns an error matching context.DeadlineExceeded once Timeout has
	// passed, whatever the client's own timeouts and retries.
	// Default: 0, no bound beyond the caller's context and the client's.
	Timeout time.Duration
}

// Store is a [webhook.Store] in Redis. Create one with [New]; the zero value
// is not usable. A Store is safe for concurrent use, and any number of Stores
// in any number of processes may share one Redis with the same prefix: that
// is what deduplicates across replicas.
type Store struct {
	client   redis.UniversalClient
	idPrefix string
	rpPrefix string
	timeout  time.Duration
	undos    chan struct{} // one token per running undo
}

var _ webhook.Store = (*Store)(nil)

// New returns a Store that keeps its keys in client. opts may be nil for the
// defaults; it is copied, so later changes to it have no effect. The Store
// does not own client: close the client when done with it. New panics if
// client is nil.
func New(client redis.UniversalClient, opts *Options) *Store {
	if client == nil {
		panic("redisstore: New called with a nil client")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	return &Store{
		client:   client,
		idPrefix: o.Prefix + "id:",
		rpPrefix: o.Prefix + "replay:",
		timeout:  o.Timeout,
		undos:    make(chan struct{}, maxPendingUndos),
	}
}

// Complete implements [webhook.Store.Complete] in one round trip. It returns
// [webhook.ErrClaimLost] when token does not own key, or an error wrapping
// the client's error (and ctx.Err() when ctx is done). If the connection
// breaks after Redis ran it and the client retries, the retry finds the key
// already done and returns [webhook.ErrClaimLost]: the key is done all the
// same.
func (s *Store) Complete(ctx context.Context, key, token string, ttl time.Duration) error {
	ctx, cancel, err := s.begin(ctx)
	if err != nil {
		return wrap("complete", ctx, err)
	}
	defer cancel()
	if !validToken(token) {
		return webhook.ErrClaimLost
	}
	n, err := bounded(ctx, func() (int, error) {
		return completeScript.Run(ctx, s.client, []string{s.idPrefix + key}, token, millis(ttl)).Int()
	})
	if err != nil {
		return wrap("complete", ctx, err)
	}
	if n == 0 {
		return webhook.ErrClaimLost
	}
	return nil
}

// Extend implements [webhook.Store.Extend] in one round trip: if token owns
// key, its claim now expires ttl from now. It returns [webhook.ErrClaimLost]
// when token does not own key, or an error wrapping the client's error (and
// ctx.Err() when ctx is done).
func (s *Store) Extend(ctx context.Context, key, token string, ttl time.Duration) error {
	ctx, cancel, err := s.begin(ctx)
	if err != nil {
		return wrap("extend", ctx, err)
	}
	defer cancel()
	if !validToken(token) {
		return webhook.ErrClaimLost
	}
	n, err := bounded(ctx, func() (int, error) {
		return extendScript.Run(ctx, s.client, []string{s.idPrefix + key}, token, millis(ttl)).Int()
	})
	if err != nil {
		return wrap("extend", ctx, err)
	}
	if n == 0 {
		return webhook.ErrClaimLost
	}
	return nil
}

// Release implements [webhook.Store.Release] in one round trip. It returns
// [webhook.ErrClaimLost] when token does not own key, or an error wrapping
// the client's error (and ctx.Err() when ctx is done).
func (s *Store) Release(ctx context.Context, key, token string) error {
	ctx, cancel, err := s.begin(ctx)
	if err != nil {
		return wrap("release", ctx, err)
	}
	defer cancel()
	_, err = bounded(ctx, func() (struct{}, error) {
		return struct{}{}, s.release(ctx, s.idPrefix+key, token)
	})
	if err != nil {
		if errors.Is(err, webhook.ErrClaimLost) {
			return err
		}
		return wrap("release", ctx, err)
	}
	return nil
}

// begin checks ctx and applies the store's timeout.
func (s *Store) begin(ctx context.Context) (context.Context, context.CancelFunc, error) {
	if err := ctx.Err(); err != nil {
		return ctx, func() {}, err
	}
	if s.timeout > 0 {
		ctx, cancel := context.WithTimeout(ctx, s.timeout)
		return ctx, cancel, nil
	}
	return ctx, func() {}, nil
}

// bounded runs f, a call to Redis using ctx, and returns its result, or
// ctx.Err() as soon as ctx is done, whichever comes first. go-redis bounds a
// call by ctx's deadline only when the client was built with
// ContextTimeoutEnabled, and never by its cancellation; a call given up on
// goes on in its goroutine until the client's timeouts end it.
func bounded[T any](ctx context.Context, f func() (T, error)) (T, error) {
	return boundedThen(ctx, f, nil)
}

// boundedThen is [bounded], and then calls after with f's results once f
// returns, in f's goroutine, with abandoned set when bounded returned
// ctx.Err() instead of them.
func boundedThen[T any](ctx context.Context, f func() (T, error), after func(v T, err error, abandoned bool)) (T, error) {
	if ctx.Done() == nil { // nothing can end the wait
		v, err := f()
		if after != nil {
			after(v, err, false)
		}
		return v, err
	}
	type result struct {
		v   T
		err error
	}
	results := make(chan result, 1)
	var decided atomic.Bool // set by whichever side decides who gets f's results
	go func() {
		v, err := f()
		abandoned := !decided.CompareAndSwap(false, true)
		if !abandoned {
			results <- result{v, err}
		}
		if after != nil {
			after(v, err, abandoned)
		}
	}()
	select {
	case r := <-results:
		return r.v, r.err
	case <-ctx.Done():
		if decided.CompareAndSwap(false, true) {
			var zero T
			return zero, ctx.Err()
		}
		r := <-results // f has just returned
		return r.v, r.err
	}
}

// wrap prefixes err with the operation and adds the context's error to the
// chain when ctx is done, so callers can match it with errors.Is whatever
// the client reported. A deadline often surfaces as an I/O timeout a moment
// before ctx itself reports it, so a passed deadline counts as done.
func wrap(op string, ctx context.Context, err error) error {
	ctxErr := ctx.Err()
	if d, ok := ctx.Deadline(); ctxErr == nil && ok && !time.Now().Before(d) {
		ctxErr = context.DeadlineExceeded
	}
	if ctxErr != nil && !errors.Is(err, ctxErr) {
		return fmt.Errorf("redisstore: %s: %w (%w)", op, ctxErr, err)
	}
	return fmt.Errorf("redisstore: %s: %w", op, err)
}

// millis converts d to whole milliseconds for PX, rounding up so that a
// positive TTL never becomes 0; durations below 1ms count as 1ms.
func millis(d time.Duration) int64 {
	ms := int64((d + time.Millisecond - 1) / time.Millisecond)
	if ms < 1 {
		return 1
	}
	return ms
}
