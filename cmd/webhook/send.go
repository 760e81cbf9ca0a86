package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/signedhooks/webhook"
)

func runSend(e *env, args []string) error {
	fs := newFlags(e, "send", "-url URL -secret-env VAR [-type T] [-id ID] [-data JSON | -data-file F] [-attempts N] [-timeout D]",
		`Send signs the message and delivers it to URL, retrying failed attempts with
exponential backoff (honouring Retry-After), each signed afresh with the same
message id. It prints every attempt and exits 0 only when an attempt was
answered 2xx. When the answer is JSON with a "status" field, it prints that
status too: "ignored" (no handler for the event type) and "unprocessable"
(the handler refused the payload for good) mean the receiver acknowledged
the message without processing it.

The body is read from standard input unless -data or -data-file is given and
is sent as is; with -type it must be JSON and is wrapped in the reference
envelope {"event": T, "data": <body>}.`)
	url := fs.String("url", "", "endpoint to deliver to (required)")
	var sec secretFlags
	sec.register(fs)
	typ := fs.String("type", "", "event type; wraps the body as {\"event\": T, \"data\": body}")
	id := fs.String("id", "", "message id (default: a new random one)")
	var body bodyFlags
	body.register(fs, "body")
	attempts := fs.Int("attempts", webhook.DefaultMaxAttempts, "attempts in all, including the first")
	maxDelay := fs.Duration("max-delay", webhook.DefaultMaxDelay, "longest wait between attempts")
	timeout := fs.Duration("timeout", webhook.DefaultAttemptTimeout, "time limit of one attempt")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *url == "":
		return usagef("-url is required")
	case *attempts < 1 || *timeout <= 0 || *maxDelay <= 0:
		return usagef("-attempts, -timeout and -max-delay must be positive")
	}
	key, err := sec.load(fs)
	if err != nil {
		return err
	}
	payload, err := body.read(fs, e.stdin)
	if err != nil {
		return err
	}
	msg := webhook.Message{ID: *id, Type: *typ, Payload: payload}
	if *typ != "" {
		if !json.Valid(payload) {
			return usagef("with -type the body must be JSON")
		}
		msg.Payload, msg.Data = nil, json.RawMessage(payload)
	}
	sender, err := webhook.NewSender(&webhook.SenderOptions{
		Secret:         key,
		Retry:          webhook.Backoff{MaxAttempts: *attempts, MaxDelay: *maxDelay},
		AttemptTimeout: *timeout,
		UserAgent:      "signedhooks-webhook-cli",
		OnAttempt:      func(a webhook.AttemptReport) { printAttempt(e, a) },
	})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := sender.Send(ctx, *url, msg)
	if err != nil {
		fmt.Fprintf(e.stderr, "webhook send: not delivered (%s): %v\n", rep.Outcome, err)
		return errReported
	}
	var status string
	if n := len(rep.Attempts); n > 0 {
		status = receiverStatus(rep.Attempts[n-1].Response)
	}
	if status == "" {
		fmt.Fprintf(e.stdout, "delivered %s to %s after %s\n", rep.MessageID, rep.URL, attemptsWord(len(rep.Attempts)))
		return nil
	}
	fmt.Fprintf(e.stdout, "delivered %s to %s after %s; receiver status: %s\n", rep.MessageID, rep.URL, attemptsWord(len(rep.Attempts)), status)
	if note := statusNotes[status]; note != "" {
		fmt.Fprintf(e.stdout, "note: %s\n", note)
	}
	return nil
}

// statusNotes explain the receiver statuses of this module's middleware and
// Mux that are not plain success.
var statusNotes = map[string]string{
	"ignored":           "the receiver has no handler for this event type: it acknowledged the message without processing it",
	"unprocessable":     "the receiver's handler refused the payload for good: it acknowledged and recorded the message without processing it, and will not take it again",
	"already_processed": "the receiver had processed a message with this id before: this delivery was a duplicate",
}

// maxStatusLen bounds the receiver status printed; the endpoint chooses it.
const maxStatusLen = 64

// receiverStatus returns the "status" field of a JSON object answer, such
// as the middleware's {"status":"ignored"}, made safe to print; "" when
// there is none.
func receiverStatus(resp []byte) string {
	var v struct {
		Status string `json:"status"`
	}
	if json.Unmarshal(resp, &v) != nil {
		return ""
	}
	return oneLine([]byte(v.Status), maxStatusLen)
}

// printAttempt prints one line per attempt, plus the start of the answer
// when it failed.
func printAttempt(e *env, a webhook.AttemptReport) {
	var b strings.Builder
	fmt.Fprintf(&b, "attempt %d: ", a.Number)
	if a.StatusCode != 0 {
		fmt.Fprintf(&b, "%d", a.StatusCode)
	} else {
		b.WriteString("no response")
	}
	fmt.Fprintf(&b, " in %s", a.Latency.Round(time.Millisecond/10))
	if a.Err == nil {
		if status := receiverStatus(a.Response); status != "" {
			fmt.Fprintf(&b, " (status: %s)", status)
		}
	}
	if a.Err != nil {
		fmt.Fprintf(&b, ": %v", a.Err)
		if snippet := oneLine(a.Response, 200); snippet != "" {
			fmt.Fprintf(&b, " (answer: %s)", snippet)
		}
	}
	if a.Retry {
		fmt.Fprintf(&b, "; retrying in %s", a.NextDelay.Round(time.Millisecond))
	}
	fmt.Fprintln(e.stdout, b.String())
}

// oneLine returns the start of an answer on one line, without control or
// bidirectional formatting characters, so an endpoint can neither drive
// the terminal nor reorder what it shows.
func oneLine(b []byte, max int) string {
	s := strings.Map(func(r rune) rune {
		switch {
		case r == utf8.RuneError, unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r):
			if r == '\n' || r == '\t' || r == '\r' {
				return ' '
			}
			return '\uFFFD'
		}
		return r
	}, string(b))
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		for max > 0 && !utf8.RuneStart(s[max]) {
			max--
		}
		s = s[:max] + "..."
	}
	return s
}

func attemptsWord(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return fmt.Sprintf("%d attempts", n)
}
