package durable

import (
	"context"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// insertBatcher group-commits the inserts of concurrent callers: while one
// batch is being written, new inserts queue up, and the next batch stores
// them all with one InsertMany (one transaction, one round trip for the
// rows, one notification) instead of one transaction each. Every caller
// waits for its own row and gets its own result, so [Outbox.Enqueue] and
// [Inbox.Store] behave as before, only faster under load. Inserts inside a
// caller's transaction never come here.
//
// No goroutine outlives the work: a writer starts when an insert arrives
// with none running and ends once the queue is empty, so there is nothing
// to stop and no queued insert can be lost on shutdown; a caller whose
// insert fails gets the error.
type insertBatcher[TTx any] struct {
	rt *Runtime[TTx]

	mu      sync.Mutex
	queue   []*pendingInsert
	writing bool
}

type pendingInsert struct {
	ctx  context.Context
	key  string // the unique id: at most one row per key in a batch
	args river.JobArgs
	opts *river.InsertOpts
	res  *rivertype.JobInsertResult
	err  error
	done chan struct{}
}

const (
	maxInsertBatch = 256
	// insertTimeout bounds one batch's write: it no longer runs under a
	// single caller's context, since it serves many.
	insertTimeout = time.Minute
)

// insert stores args, whose unique id is key, and returns River's result
// for this caller, or ctx's error if ctx is done first (the row may then be
// stored or not, as with any interrupted insert).
func (b *insertBatcher[TTx]) insert(ctx context.Context, key string, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	opts = b.rt.opts.Hooks.withTrace(ctx, args, opts) // the batch is written under another caller's context
	p := &pendingInsert{ctx: ctx, key: key, args: args, opts: opts, done: make(chan struct{})}
	b.mu.Lock()
	b.queue = append(b.queue, p)
	if !b.writing {
		b.writing = true
		go b.write()
	}
	b.mu.Unlock()
	select {
	case <-p.done:
		return p.res, p.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// write stores queued inserts batch by batch until the queue is empty.
func (b *insertBatcher[TTx]) write() {
	for {
		b.mu.Lock()
		n := min(len(b.queue), maxInsertBatch)
		if n == 0 {
			b.writing = false
			b.queue = nil
			b.mu.Unlock()
			return
		}
		batch := b.queue[:n:n]
		b.queue = b.queue[n:]
		b.mu.Unlock()
		b.flush(batch)
	}
}

// flush stores one batch and hands every caller its result. A caller that
// gave up before the batch was written is left out. The same id twice in a
// batch is stored once: the later callers get the first one's job as a
// duplicate, as they would have if their inserts had come after it.
func (b *insertBatcher[TTx]) flush(batch []*pendingInsert) {
	var (
		lead   = make([]*pendingInsert, 0, len(batch))
		follow []*pendingInsert
		byKey  = make(map[string]*pendingInsert, len(batch))
	)
	for _, p := range batch {
		if err := p.ctx.Err(); err != nil {
			p.err = err
			close(p.done)
			continue
		}
		if _, ok := byKey[p.key]; ok {
			follow = append(follow, p)
			continue
		}
		byKey[p.key] = p
		lead = append(lead, p)
	}
	if len(lead) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(lead[0].ctx), insertTimeout)
	defer cancel()
	b.store(ctx, lead)
	for _, p := range lead {
		close(p.done)
	}
	for _, p := range follow {
		first := byKey[p.key]
		if first.err != nil {
			p.err = first.err
		} else {
			p.res = &rivertype.JobInsertResult{Job: first.res.Job, UniqueSkippedAsDuplicate: true}
		}
		close(p.done)
	}
}

// store inserts the rows of ps (distinct keys) and sets each one's result.
// When a batch fails, each row is tried alone, so that one caller's failure
// is not every caller's.
func (b *insertBatcher[TTx]) store(ctx context.Context, ps []*pendingInsert) {
	client, err := b.rt.river()
	if err != nil {
		for _, p := range ps {
			p.err = err
		}
		return
	}
	if len(ps) > 1 {
		params := make([]river.InsertManyParams, len(ps))
		for i, p := range ps {
			params[i] = river.InsertManyParams{Args: p.args, InsertOpts: p.opts}
		}
		res, err := client.InsertMany(ctx, params)
		if err == nil && len(res) == len(ps) {
			for i, p := range ps {
				p.res = res[i]
			}
			return
		}
	}
	for _, p := range ps {
		p.res, p.err = client.Insert(ctx, p.args, p.opts)
	}
}
