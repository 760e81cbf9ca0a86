package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/signedhooks/webhook"
)

func runSign(e *env, args []string) error {
	fs := newFlags(e, "sign", "-secret-env VAR [-timestamp T] [-data JSON | -data-file F] < body",
		"Sign prints the X-Webhook-Signature header value for the body, read from\nstandard input unless -data or -data-file is given. The body is signed byte for\nbyte: a trailing newline counts.")
	var sec secretFlags
	sec.register(fs)
	var body bodyFlags
	body.register(fs, "body")
	ts := fs.String("timestamp", "", "signing time, as unix seconds or RFC 3339 (default: now)")
	if err := parse(fs, args); err != nil {
		return err
	}
	key, err := sec.load(fs)
	if err != nil {
		return err
	}
	at := time.Now()
	if *ts != "" {
		if at, err = parseTime(*ts); err != nil {
			return err
		}
	}
	payload, err := body.read(fs, e.stdin)
	if err != nil {
		return err
	}
	signer, err := webhook.NewSigner(key, nil)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(e.stdout, signer.Sign(at, payload))
	return err
}

// parseTime reads unix seconds or an RFC 3339 time.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, usagef("-timestamp must be unix seconds or RFC 3339 (2006-01-02T15:04:05Z)")
	}
	return t, nil
}
