// Command webhook-relay runs a relay from a configuration file: it
// receives webhooks from providers, verifies, deduplicates and stores
// them, and delivers each event durably to the internal services its
// routes name, re-signed with this module's scheme.
//
//	webhook-relay -config relay.yaml
//
// See package [github.com/signedhooks/webhook/relay] for the file's keys.
// It stops gracefully on SIGINT or SIGTERM: it stops receiving, lets the
// deliveries in flight finish for up to -grace, and puts the others back
// for the next start (or another relay process on the same PostgreSQL).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/signedhooks/webhook/relay"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "webhook-relay:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("webhook-relay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "relay.yaml", "configuration `file`")
	level := fs.String("log", "info", "log `level`: debug, info, warn or error")
	grace := fs.Duration("grace", 20*time.Second, "how long a stop waits for deliveries in flight")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		return fmt.Errorf("-log %q: want debug, info, warn or error", *level)
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl}))

	data, err := readConfig(*path)
	if err != nil {
		return err
	}
	cfg, err := relay.ParseConfig(data, &relay.ConfigOptions{Filename: *path})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	rl, err := relay.New(ctx, cfg, &relay.Options{Logger: logger})
	if err != nil {
		return err
	}
	closeRelay := func() error {
		cctx, cancel := context.WithTimeout(context.Background(), *grace)
		defer cancel()
		return rl.Close(cctx)
	}
	if err := rl.Start(ctx); err != nil {
		_ = closeRelay()
		return err
	}
	servers := []*http.Server{}
	serve := func(addr, what string, h http.Handler) error {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
			WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
		servers = append(servers, srv)
		fmt.Fprintf(stdout, "webhook-relay: %s on http://%s\n", what, ln.Addr())
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				logger.Error("webhook-relay: serving", "what", what, "error", err)
			}
		}()
		return nil
	}
	err = serve(cfg.Listen, "receiving", rl.Handler())
	if err == nil && cfg.AdminListen != "" {
		err = serve(cfg.AdminListen, "status", rl.AdminHandler())
	}
	if err == nil {
		<-ctx.Done()
		fmt.Fprintln(stdout, "webhook-relay: stopping")
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, srv := range servers {
		_ = srv.Shutdown(sctx)
	}
	if cerr := closeRelay(); err == nil {
		err = cerr
	}
	if err == nil {
		fmt.Fprintln(stdout, "webhook-relay: stopped")
	}
	return err
}

// readConfig reads the configuration file, at most 1 MiB.
func readConfig(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 1<<20+1))
	if err != nil {
		return nil, err
	}
	if len(data) > 1<<20 {
		return nil, fmt.Errorf("%s: over 1 MiB", path)
	}
	return data, nil
}
