package durable

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/tidwall/gjson"
)

const (
	outboxQueue  = "webhook_outbox"
	deliveryKind = "webhook_delivery"
)

// allStates makes the message id unique for as long as the job row exists,
// whatever its state, so enqueueing an id twice never delivers it twice.
var allStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStateCancelled, rivertype.JobStateCompleted,
	rivertype.JobStateDiscarded, rivertype.JobStatePending, rivertype.JobStateRetryable,
	rivertype.JobStateRunning, rivertype.JobStateScheduled,
}

// deliveryArgs is an outbox message as stored in River. The payload is a
// byte slice (base64 in JSON) so that it is sent byte for byte: PostgreSQL's
// jsonb would reorder a JSON payload's keys.
type deliveryArgs struct {
	ID      string `json:"id" river:"unique"`
	URL     string `json:"url"`
	Payload []byte `json:"payload"`
}

func (deliveryArgs) Kind() string { return deliveryKind }

func (deliveryArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: outboxQueue, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: allStates}}
}

// deliveryWorker makes one delivery attempt per job run.
type deliveryWorker[TTx any] struct {
	river.WorkerDefaults[deliveryArgs]
	o *Outbox[TTx]
}

func (w *deliveryWorker[TTx]) NextRetry(job *river.Job[deliveryArgs]) time.Time {
	return time.Now().Add(w.o.opts.Backoff(job.Attempt))
}

func (w *deliveryWorker[TTx]) Work(ctx context.Context, job *river.Job[deliveryArgs]) error {
	o := w.o
	snoozes := int(gjson.GetBytes(job.Metadata, "snoozes").Int())
	a := o.attempt(ctx, job.Args)
	a.JobID = job.ID
	a.Number = job.Attempt + snoozes
	if ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled) {
		a.Outcome = string(outcomeAborted) // stopping: River requeues the job
	}
	// Record even when stopping, with a context of its own.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	err := o.log.record(rctx, &a.Attempt)
	cancel()
	if err != nil {
		o.opts.Logger.Error("durable: recording attempt", "message_id", job.Args.ID, "error", err)
	}
	switch outcome(a.Outcome) {
	case outcomeDelivered:
		return nil
	case outcomeAborted:
		return ctx.Err()
	case outcomePermanent:
		return river.JobCancel(errors.New(a.Error))
	}
	if a.retryAfter > 0 && snoozes < o.opts.MaxSnoozes {
		return river.JobSnooze(min(a.retryAfter, o.opts.MaxRetryAfter))
	}
	return errors.New(a.Error)
}

type attemptResult struct {
	Attempt
	retryAfter time.Duration
}

// attempt sends args once, signed now, and classifies the answer.
func (o *Outbox[TTx]) attempt(ctx context.Context, args deliveryArgs) attemptResult {
	ctx, cancel := context.WithTimeout(ctx, o.opts.AttemptTimeout)
	defer cancel()
	start := time.Now()
	r := attemptResult{Attempt: Attempt{MessageID: args.ID, At: start}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, args.URL, bytes.NewReader(args.Payload))
	if err == nil {
		err = o.signer.SignHeaders(req.Header, args.ID, start, args.Payload)
	}
	if err != nil {
		r.Outcome, r.Error = string(outcomePermanent), "webhook: "+err.Error()
		return r
	}
	resp, err := o.http.Do(req)
	r.Latency = time.Since(start)
	if err != nil {
		r.Outcome, r.Error = string(outcomeRetry), "webhook: "+redact(err).Error()
		return r
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, int64(o.opts.ResponseSnippetBytes)))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // drain for keep-alive, bounded
	r.StatusCode = resp.StatusCode
	r.Response = string(snippet)
	r.Outcome = string(classify(resp.StatusCode))
	if r.Outcome != string(outcomeDelivered) {
		r.Error = "webhook: endpoint answered " + strconv.Itoa(resp.StatusCode)
		if r.Outcome == string(outcomeRetry) {
			r.retryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
	}
	return r
}

// redact drops the URL (whose query may hold credentials) from a transport
// error, keeping the cause.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

func defaultHTTPClient(workers int) *http.Client {
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          max(100, workers),
		MaxIdleConnsPerHost:   max(16, workers),
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport:     t,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
