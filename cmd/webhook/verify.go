package main

import (
	"fmt"
	"time"

	"github.com/signedhooks/webhook"
)

func runVerify(e *env, args []string) error {
	fs := newFlags(e, "verify", "-secret-env VAR -signature H [-tolerance D | -no-tolerance] [-data JSON | -data-file F] < body",
		"Verify checks the X-Webhook-Signature header value H against the body, read\nfrom standard input unless -data or -data-file is given. It prints \"valid\"\nand exits 0, or prints \"invalid: \" and the exact reason and exits 1.")
	var sec secretFlags
	sec.register(fs)
	var body bodyFlags
	body.register(fs, "body")
	sig := fs.String("signature", "", "the signature header value, t=<unix>,s=<hex>[,s=...] (required)")
	tolerance := fs.Duration("tolerance", webhook.DefaultTolerance, "how far the signed time may be from now, either way")
	noTolerance := fs.Bool("no-tolerance", false, "skip the timestamp check (to check an old captured delivery)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if !isSet(fs, "signature") {
		return usagef("-signature is required")
	}
	if *noTolerance && isSet(fs, "tolerance") {
		return usagef("-tolerance and -no-tolerance are mutually exclusive")
	}
	if *tolerance <= 0 && !*noTolerance {
		return usagef("-tolerance must be positive; use -no-tolerance to skip the check")
	}
	key, err := sec.load(fs)
	if err != nil {
		return err
	}
	payload, err := body.read(fs, e.stdin)
	if err != nil {
		return err
	}
	v, err := webhook.NewVerifier(key, &webhook.VerifierOptions{
		Tolerance:                  *tolerance,
		InsecureSkipTimestampCheck: *noTolerance,
		Now:                        time.Now,
	})
	if err != nil {
		return err
	}
	if err := v.Verify(*sig, payload); err != nil {
		fmt.Fprintf(e.stdout, "invalid: %v\n", err)
		return errReported
	}
	_, err = fmt.Fprintln(e.stdout, "valid")
	return err
}
