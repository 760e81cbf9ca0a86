package redisstore_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
)

// The tests need a Redis. REDIS_URL names one (redis://host:port/db);
// otherwise TestMain starts redis-server on a free loopback port and stops it
// at the end. Without either, tests skip, unless CI is set: then they fail.
var (
	sharedOpts *redis.Options // nil when no Redis is available
	noRedis    string         // why sharedOpts is nil
	shared     *redisServer   // the server TestMain started, if any
)

func TestMain(m *testing.M) {
	flag.Parse()
	redis.SetLogger(quiet{}) // the tests provoke dial failures on purpose
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	if url := os.Getenv("REDIS_URL"); url != "" {
		opts, err := redis.ParseURL(url)
		if err != nil {
			fmt.Fprintf(os.Stderr, "redisstore: REDIS_URL: %v\n", err)
			return 2
		}
		sharedOpts = opts
		redisURL = url
	} else if srv, err := startRedis(0); err == nil {
		sharedOpts = &redis.Options{Addr: srv.addr}
		shared = srv
		redisURL = "redis://" + srv.addr + "/0"
	} else {
		noRedis = err.Error()
	}
	if sharedOpts == nil {
		// Examples cannot skip themselves; leave them out rather than fail
		// them on a machine without Redis. Tests skip or fail on their own.
		fmt.Fprintf(os.Stderr, "redisstore: no Redis (%s): examples not run\n", noRedis)
		if err := flag.Set("test.skip", "^Example"); err != nil {
			fmt.Fprintf(os.Stderr, "redisstore: %v\n", err)
			return 2
		}
	}
	code := m.Run()
	if shared != nil {
		shared.stop()
	}
	if code == 0 {
		// A client that failed to dial leaves a redial goroutine that
		// notices Close within a second.
		err := goleak.Find(goleak.IgnoreAnyFunction("github.com/redis/go-redis/v9/internal/pool.(*ConnPool).tryDial"))
		if err != nil {
			fmt.Fprintf(os.Stderr, "redisstore: goroutine leak: %v\n", err)
			return 1
		}
	}
	return code
}

// unavailable skips t, or fails it when CI is set, because something the
// test needs is missing.
func unavailable(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (CI is set, so this fails instead of skipping)", what)
	}
	t.Skip(what)
}

// newClient returns a client of the shared Redis, closed when t ends.
func newClient(t testing.TB) *redis.Client {
	t.Helper()
	if sharedOpts == nil {
		unavailable(t, "no Redis: set REDIS_URL or install redis-server ("+noRedis+")")
	}
	opts := *sharedOpts
	c := redis.NewClient(&opts)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// uniquePrefix returns a key prefix no other test uses.
func uniquePrefix() string {
	return fmt.Sprintf("redisstore-test-%x:", rand.Uint64())
}

// redisServer is a redis-server process that a test started.
type redisServer struct {
	addr   string
	port   int
	cmd    *exec.Cmd
	exited chan struct{} // closed once the process has exited
}

// startRedis starts redis-server on 127.0.0.1:port without persistence and
// waits until it answers; port 0 picks a free port.
func startRedis(port int) (*redisServer, error) {
	return startRedisWith(port, "", "--save", "", "--appendonly", "no")
}

// startRedisWith starts redis-server on 127.0.0.1:port with its files in
// dir (a new temporary directory, removed at exit, when dir is "") and the
// extra arguments, and waits until it answers; port 0 picks a free port.
func startRedisWith(port int, dir string, args ...string) (*redisServer, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, errors.New("redis-server not found in PATH")
	}
	pick := port == 0
	for attempt := 0; ; attempt++ {
		if pick {
			if port, err = freePort(); err != nil {
				return nil, err
			}
		}
		srv, err := launch(bin, port, dir, args)
		if err == nil || !pick || attempt == 2 {
			return srv, err
		}
	}
}

func launch(bin string, port int, dir string, args []string) (*redisServer, error) {
	tmp := dir == ""
	if tmp {
		var err error
		if dir, err = os.MkdirTemp("", "redisstore-test-"); err != nil {
			return nil, err
		}
	}
	cmd := exec.Command(bin, append([]string{
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--daemonize", "no", "--loglevel", "warning",
	}, args...)...)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	srv := &redisServer{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), port: port, cmd: cmd}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		if tmp {
			_ = os.RemoveAll(dir)
		}
		close(exited)
	}()
	c := redis.NewClient(&redis.Options{Addr: srv.addr, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			srv.exited = exited
			return srv, nil
		}
		select {
		case <-exited:
			return nil, fmt.Errorf("redis-server on port %d exited: %v", port, err)
		default:
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return nil, fmt.Errorf("redis-server on port %d did not answer: %v", port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop kills the server and waits until it has exited.
func (s *redisServer) stop() {
	_ = s.cmd.Process.Kill()
	<-s.exited
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// needRedisServer starts a private redis-server for t, stopped when t ends.
func needRedisServer(t testing.TB) *redisServer {
	t.Helper()
	srv, err := startRedis(0)
	if err != nil {
		unavailable(t, "cannot start a private redis-server: "+err.Error())
	}
	t.Cleanup(srv.stop)
	return srv
}

// quiet is a go-redis logger that drops everything.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}
