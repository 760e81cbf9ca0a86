package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	webhook "github.com/signedhooks/webhook"
)

// envMain set makes the test binary run the command with its arguments:
// the tests start the relay as a real process, as a user would.
const envMain = "WEBHOOK_RELAY_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(envMain) != "" {
		if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "webhook-relay:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// Secrets of the tests' providers and destinations.
const (
	stripeSecret   = "whsec_c3RyaXBlLXNlY3JldC1mb3ItdGVzdHM"
	githubSecret   = "github-secret-text-123"
	standardSecret = "whsec_c3RhbmRhcmQtc2VjcmV0LTEyMzQ1Ng"
	nativeSecret   = "whsec_bmF0aXZlLXNlY3JldC0xMjM0NTY3OA"
)

func destSecret(name string) string {
	return webhook.FormatSecret([]byte("destination-secret-" + name))
}

// relayProc is a running webhook-relay process.
type relayProc struct {
	cmd         *exec.Cmd
	in, admin   string // base URLs
	done        chan error
	stdoutLines chan string
}

// startRelay runs webhook-relay with the configuration text cfg (whose
// secrets come from env) and waits until it serves.
func startRelay(t *testing.T, dir, cfg string, env ...string) *relayProc {
	t.Helper()
	path := filepath.Join(dir, fmt.Sprintf("relay-%d.yaml", time.Now().UnixNano()))
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o600))
	cmd := exec.Command(os.Args[0], "-config", path, "-log", "warn", "-grace", "5s")
	cmd.Env = append(os.Environ(), envMain+"=1")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	p := &relayProc{cmd: cmd, done: make(chan error, 1), stdoutLines: make(chan string, 16)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case p.stdoutLines <- sc.Text():
			default:
			}
		}
		p.done <- cmd.Wait()
	}()
	t.Cleanup(p.kill)
	deadline := time.After(60 * time.Second)
	for p.in == "" || (strings.Contains(cfg, "admin_listen") && p.admin == "") {
		select {
		case line := <-p.stdoutLines:
			if a, ok := strings.CutPrefix(line, "webhook-relay: receiving on "); ok {
				p.in = a
			}
			if a, ok := strings.CutPrefix(line, "webhook-relay: status on "); ok {
				p.admin = a
			}
		case err := <-p.done:
			p.done <- err
			t.Fatalf("webhook-relay exited before serving: %v", err)
		case <-deadline:
			t.Fatal("webhook-relay did not start in 60 s")
		}
	}
	return p
}

func (p *relayProc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	err := <-p.done
	p.done <- err
}

// stop sends SIGTERM and waits for a clean exit.
func (p *relayProc) stop(t *testing.T) {
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-p.done:
		p.done <- err
		require.NoError(t, err, "webhook-relay exited with an error after SIGTERM")
	case <-time.After(30 * time.Second):
		t.Fatal("webhook-relay did not stop in 30 s")
	}
}

// destination is an internal service behind the core middleware, which
// verifies the relay's native signature with the destination's secret and
// deduplicates by message id.
type destination struct {
	name string
	url  string
	down chan struct{} // closed: answer 503 to everything

	mu        sync.Mutex
	arrivals  map[string]int // every request, by message id
	processed map[string]int // verified, first time, by message id
	types     map[string]string
	bodies    map[string]json.RawMessage
	bad       int // requests that failed verification or named another destination
	isDown    bool
}

func newDestination(t *testing.T, name string) *destination {
	t.Helper()
	d := &destination{name: name, arrivals: map[string]int{}, processed: map[string]int{},
		types: map[string]string{}, bodies: map[string]json.RawMessage{}}
	key, err := webhook.ParseSecret(destSecret(name))
	require.NoError(t, err)
	v, err := webhook.NewVerifier(key, nil)
	require.NoError(t, err)
	store, err := webhook.NewMemoryStore(nil)
	require.NoError(t, err)
	mw := webhook.Middleware(v, &webhook.MiddlewareOptions{Store: store, OnOutcome: func(_ context.Context, o webhook.Outcome) {
		if o.Status == http.StatusUnauthorized || o.Status == http.StatusBadRequest {
			d.mu.Lock()
			d.bad++
			d.mu.Unlock()
		}
	}})
	inner := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, _ := webhook.EventFromContext(r.Context())
		d.mu.Lock()
		defer d.mu.Unlock()
		if r.Header.Get("X-Relay-Destination") != name {
			d.bad++
		}
		d.processed[ev.ID]++
		d.types[ev.ID] = ev.Type
		if data, ok := ev.Data(); ok {
			d.bodies[ev.ID] = data
		}
		w.WriteHeader(http.StatusOK)
	}))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		d.arrivals[r.Header.Get(webhook.IDHeader)]++
		down := d.isDown
		d.mu.Unlock()
		if down {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		inner.ServeHTTP(w, r)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	d.url = "http://" + ln.Addr().String() + "/hooks"
	return d
}

func (d *destination) setDown(down bool) {
	d.mu.Lock()
	d.isDown = down
	d.mu.Unlock()
}

// snapshot returns copies of the processed counts and the arrivals.
func (d *destination) snapshot() (processed, arrivals map[string]int, bad int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	processed, arrivals = make(map[string]int, len(d.processed)), make(map[string]int, len(d.arrivals))
	for k, v := range d.processed {
		processed[k] = v
	}
	for k, v := range d.arrivals {
		arrivals[k] = v
	}
	return processed, arrivals, d.bad
}

func (d *destination) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.processed)
}

// waitFor waits until every id in want has been processed by d.
func (d *destination) waitFor(t *testing.T, want []string, within time.Duration, admin ...string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		processed, _, _ := d.snapshot()
		var missing []string
		for _, id := range want {
			if processed[id] == 0 {
				missing = append(missing, id)
			}
		}
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			// What the relays recorded of the first few missing events
			// (routes, attempts, dead letters), to tell a lost event from
			// a late one.
			for _, base := range admin {
				for _, id := range missing[:min(len(missing), 3)] {
					if resp, err := client.Get(base + "/api/event?id=" + url.QueryEscape(id)); err == nil {
						body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
						resp.Body.Close()
						t.Logf("relay %s, event %s: %d %s", base, id, resp.StatusCode, body)
					}
				}
			}
			t.Fatalf("destination %s: %d of %d events missing after %v: %v", d.name, len(missing), len(want), within,
				missing[:min(len(missing), 10)])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// delivery is a provider's request: headers signed by signer over body.
type delivery struct {
	path   string
	signer webhook.HeaderSigner
	id     string
	at     time.Time
	body   string
	header http.Header // set before signing (GitHub's event header)
}

var client = &http.Client{Timeout: 10 * time.Second}

// post sends d to the relay at base and returns the status.
func post(base string, d delivery) (int, error) {
	h := http.Header{}
	for k, v := range d.header {
		h[k] = v
	}
	at := d.at
	if at.IsZero() {
		at = time.Now()
	}
	if err := d.signer.SignHeaders(h, d.id, at, []byte(d.body)); err != nil {
		return 0, err
	}
	req, err := http.NewRequest(http.MethodPost, base+d.path, strings.NewReader(d.body))
	if err != nil {
		return 0, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// getJSON decodes base+path into v.
func getJSON(t *testing.T, base, path string, v any) {
	t.Helper()
	resp, err := client.Get(base + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	require.NoError(t, json.Unmarshal(body, v), string(body))
}

func postJSON(t *testing.T, base, path string) (int, string) {
	t.Helper()
	resp, err := client.Post(base+path, "application/json", bytes.NewReader(nil))
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// destEnv returns the environment entries with the destinations' secrets.
func destEnv(ds ...*destination) []string {
	var env []string
	for _, d := range ds {
		env = append(env, "DEST_SECRET_"+strings.ToUpper(d.name)+"="+destSecret(d.name))
	}
	return env
}

var providerEnv = []string{
	"STRIPE_SECRET=" + stripeSecret, "GITHUB_SECRET=" + githubSecret,
	"STANDARD_SECRET=" + standardSecret, "NATIVE_SECRET=" + nativeSecret,
}

// destinationsYAML lists ds as the configuration's destinations.
func destinationsYAML(ds ...*destination) string {
	var b strings.Builder
	b.WriteString("destinations:\n")
	for _, d := range ds {
		fmt.Fprintf(&b, "  - name: %s\n    url: %s\n    secret_env: DEST_SECRET_%s\n    allow_private_network: true\n",
			d.name, d.url, strings.ToUpper(d.name))
	}
	return b.String()
}

// postgresURL returns a fresh database of DATABASE_URL's server for one
// test, dropped afterwards; the test skips without DATABASE_URL, and fails
// under CI.
func postgresURL(t *testing.T) string {
	t.Helper()
	base := os.Getenv("DATABASE_URL")
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("DATABASE_URL is not set; CI must run PostgreSQL (source .ci/postgres.sh)")
		}
		t.Skip("DATABASE_URL is not set")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	require.NoError(t, err)
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	name := "relay_test_" + hex.EncodeToString(rnd[:])
	_, err = admin.Exec(ctx, "CREATE DATABASE "+name)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		_ = admin.Close(ctx)
	})
	u, err := url.Parse(base)
	require.NoError(t, err)
	u.Path = "/" + name
	return u.String()
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}
