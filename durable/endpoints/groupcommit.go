package endpoints

import (
	"context"
	"sync"
	"time"
)

// groupCommit runs the statements of concurrent deliveries together: while
// one batch is being written, the next requests queue up, and the next
// batch serves them all with one statement (PostgreSQL) or one transaction
// (SQLite) instead of one each. Every caller waits for its own request's
// result, so it behaves as the statements made one by one, only with
// fewer round trips and commits under load; an idle caller's request is
// written at once, alone.
//
// No goroutine outlives the work: a writer starts when a request arrives
// with fewer than parallel running, and ends when the queue is empty.
type groupCommit[T any] struct {
	// run serves a batch and sets each request's result.
	run func(ctx context.Context, batch []*T)
	// key, if set, keeps requests with equal keys out of one batch: the
	// later ones wait for the next.
	key func(*T) string
	max int // requests per batch at most
	// parallel is how many batches may be written at once (at least one):
	// more than one keeps a database with connections to spare busy while
	// one batch waits for its answer. Requests with equal keys may then be
	// in concurrent batches; run must allow for that.
	parallel int

	mu      sync.Mutex
	queue   []pendingRequest[T]
	writers int
}

type pendingRequest[T any] struct {
	r    *T
	done chan struct{}
}

// do queues r and returns once a batch has served it.
func (g *groupCommit[T]) do(r *T) {
	p := pendingRequest[T]{r: r, done: make(chan struct{})}
	g.mu.Lock()
	g.queue = append(g.queue, p)
	start := g.writers < max(g.parallel, 1)
	if start {
		g.writers++
	}
	g.mu.Unlock()
	if start {
		go g.write()
	}
	<-p.done
}

func (g *groupCommit[T]) write() {
	var seen map[string]bool
	if g.key != nil {
		seen = map[string]bool{}
	}
	for {
		g.mu.Lock()
		if len(g.queue) == 0 {
			if g.writers--; g.writers == 0 {
				g.queue = nil // let the backing array go
			}
			g.mu.Unlock()
			return
		}
		var batch []pendingRequest[T]
		rest := g.queue[:0:0]
		for _, p := range g.queue {
			if len(batch) == g.max {
				rest = append(rest, p)
				continue
			}
			if seen != nil {
				k := g.key(p.r)
				if seen[k] {
					rest = append(rest, p)
					continue
				}
				seen[k] = true
			}
			batch = append(batch, p)
		}
		g.queue = rest
		g.mu.Unlock()
		clear(seen)
		rs := make([]*T, len(batch))
		for i, p := range batch {
			rs[i] = p.r
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		g.run(ctx, rs)
		cancel()
		for _, p := range batch {
			close(p.done)
		}
	}
}
