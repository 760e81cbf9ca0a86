package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/cmd/webhook/internal/capture"
)

// memorySlack is the heap listen may use beyond its full history before the
// garbage collector works harder: the bodies being read (their budget is
// capture.DefaultInFlight) and the rest of the process.
const memorySlack = capture.DefaultInFlight + 16<<20

// defaultAddr is loopback only: captured deliveries may hold private data.
const defaultAddr = "127.0.0.1:8787"

func runListen(e *env, args []string) error {
	fs := newFlags(e, "listen", "[-addr A] [-path P] [-secret-env VAR] [-forward URL] [-history N]",
		`Listen captures every request to the path and prints it: time, source,
event type, headers, body (indented when JSON) and, with a secret, the
verification verdict and reason. Repeated message ids are marked as
duplicates. The last deliveries are kept and served as JSON at /history and
/history/{n}, bodies byte for byte as received (with an indented "pretty"
copy beside JSON ones), and a live page at / lists them as they arrive.

With a secret, deliveries are verified in the -scheme given: this module's
(native), Standard Webhooks (standard, with its whsec_ secret), Stripe
(stripe, with the endpoint's whsec_ secret) or GitHub (github, with the
secret typed into GitHub). Deliveries that fail verification are answered 400 or 401 like
a real receiver (the reason is shown here, never sent back); others get 200.
With -forward, each verified delivery (each delivery when no secret is given)
is relayed to the URL with its method, headers and body, and the sender gets
the local status and answer (502 when the local endpoint cannot be reached).

A sender has -header-timeout to send the request header and then
-body-timeout to send the body; slower ones are cut off. The bodies being
read at once share a 32 MiB budget: past it a delivery is answered 503
with Retry-After, and recorded.`)
	addr := fs.String("addr", defaultAddr, "address to listen on")
	path := fs.String("path", capture.DefaultPath, "path to capture deliveries at (and below)")
	var sec secretFlags
	sec.register(fs)
	scheme := fs.String("scheme", "native", schemeUsage)
	forward := fs.String("forward", "", "relay deliveries to this `URL`, e.g. http://localhost:3000/webhook")
	history := fs.Int("history", capture.DefaultHistory, "number of deliveries to keep")
	maxBody := fs.Int64("max-body", capture.DefaultMaxBodyBytes, "largest body in bytes; larger ones are truncated and answered 413")
	tolerance := fs.Duration("tolerance", webhook.DefaultTolerance, "how far a signed time may be from now, either way")
	noTolerance := fs.Bool("no-tolerance", false, "skip the timestamp check")
	allowHosts := fs.String("allow-host", "", "comma-separated host `names` under which the page and history may be read,\nbesides IP addresses and localhost (guards against DNS rebinding)")
	headerTimeout := fs.Duration("header-timeout", 10*time.Second, "time a sender has to send the request header")
	bodyTimeout := fs.Duration("body-timeout", capture.DefaultBodyTimeout, "time a sender has to send the body, after the header")
	quiet := fs.Bool("quiet", false, "print one line per delivery instead of headers and body")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *history <= 0 || *maxBody <= 0 {
		return usagef("-history and -max-body must be positive")
	}
	if *headerTimeout <= 0 || *bodyTimeout <= 0 {
		return usagef("-header-timeout and -body-timeout must be positive")
	}
	if *noTolerance && isSet(fs, "tolerance") {
		return usagef("-tolerance and -no-tolerance are mutually exclusive")
	}
	if *tolerance <= 0 && !*noTolerance {
		return usagef("-tolerance must be positive; use -no-tolerance to skip the check")
	}
	opts := &capture.Options{
		Path: *path, History: *history, MaxBodyBytes: *maxBody,
		Forward: *forward, Log: e.stdout, Quiet: *quiet, BodyTimeout: *bodyTimeout,
	}
	for _, h := range strings.Split(*allowHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			opts.AllowedHosts = append(opts.AllowedHosts, h)
		}
	}
	if sec.given(fs) {
		secret, err := sec.loadText(fs)
		if err != nil {
			return err
		}
		opts.Authenticator, opts.Signer, err = newScheme(*scheme, secret,
			checkOptions{tolerance: *tolerance, noTolerance: *noTolerance, maxBody: *maxBody})
		if err != nil {
			return err
		}
	} else if isSet(fs, "scheme") {
		return usagef("-scheme needs a secret: -secret-env VAR (or -secret)")
	}
	s, err := capture.New(opts)
	if err != nil {
		return usagef("%v", err)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// The history holds up to capture.DefaultHistoryBytes; without a
		// limit the collector lets the heap grow to twice that before it
		// runs. Keep the slack to what bodies being read may hold.
		debug.SetMemoryLimit(capture.DefaultHistoryBytes + memorySlack)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	// Catch the interrupt before saying how to send it.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(e.stdout, "Capturing deliveries at %s%s\nLive page: %s/   History: %s/history\n", base, s.Path(), base, base)
	switch {
	case opts.Authenticator == nil:
		fmt.Fprintln(e.stdout, "No secret given: signatures are not checked.")
	case isSet(fs, "secret-env"):
		fmt.Fprintf(e.stdout, "Verifying %s signatures with the secret in $%s.\n", *scheme, sec.env)
	default:
		fmt.Fprintf(e.stdout, "Verifying %s signatures with the secret given by -secret.\n", *scheme)
	}
	if *forward != "" {
		fmt.Fprintf(e.stdout, "Forwarding deliveries to %s\n", redactURL(*forward))
	}
	fmt.Fprintln(e.stdout, "Press Ctrl-C to stop.")

	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: *headerTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	s.Close() // end the live streams so Shutdown need not wait for them
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	fmt.Fprintf(e.stdout, "Stopped. %s\n", s.Totals())
	return nil
}

// redactURL returns u without its user information and query, which may
// hold credentials; capture.New has checked that it parses.
func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	hidden := p.User != nil || p.RawQuery != ""
	p.User, p.RawQuery, p.ForceQuery, p.Fragment, p.RawFragment = nil, "", false, "", ""
	if hidden {
		return p.String() + " (credentials and query not shown)"
	}
	return p.String()
}
