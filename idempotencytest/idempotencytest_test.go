package idempotencytest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/idempotencytest"
)

// mutant wraps a correct store and breaks one rule of the contract.
type mutant struct {
	webhook.Store
	noReplay, ignoreLost, ignoreCtx bool
	extendNoop, extendIgnoreLost    bool
}

func (m mutant) Claim(ctx context.Context, req webhook.ClaimRequest) (webhook.ClaimResult, error) {
	if m.noReplay {
		req.ReplayKey = ""
	}
	if m.ignoreCtx {
		ctx = context.Background()
	}
	return m.Store.Claim(ctx, req)
}

func (m mutant) Complete(ctx context.Context, key, token string, ttl time.Duration) error {
	if m.ignoreCtx {
		ctx = context.Background()
	}
	err := m.Store.Complete(ctx, key, token, ttl)
	if m.ignoreLost && errors.Is(err, webhook.ErrClaimLost) {
		return nil
	}
	return err
}

func (m mutant) Extend(ctx context.Context, key, token string, ttl time.Duration) error {
	if m.extendNoop {
		return nil // says it kept the claim alive, and did not
	}
	if m.ignoreCtx {
		ctx = context.Background()
	}
	err := m.Store.Extend(ctx, key, token, ttl)
	if m.extendIgnoreLost && errors.Is(err, webhook.ErrClaimLost) {
		return nil
	}
	return err
}

var mutants = map[string]struct {
	m    mutant
	want string // a rule that must fail
}{
	"noReplay":         {mutant{noReplay: true}, "ReplayKeySeen"},
	"ignoreLost":       {mutant{ignoreLost: true}, "WrongTokenIsLost"},
	"ignoreCtx":        {mutant{ignoreCtx: true}, "CanceledContext"},
	"extendNoop":       {mutant{extendNoop: true}, "ExtendKeepsClaim"},
	"extendIgnoreLost": {mutant{extendIgnoreLost: true}, "ExtendWrongTokenIsLost"},
}

// TestRunCatchesBrokenStores runs the suite against stores that each break
// one rule, in a child process (a failing suite fails its test), and checks
// that the suite fails on that rule.
func TestRunCatchesBrokenStores(t *testing.T) {
	t.Parallel()
	if os.Getenv("IDEMPOTENCYTEST_MUTANT") != "" {
		t.Skip("in the child process")
	}
	for name, tc := range mutants {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestMutant$", "-test.v")
			cmd.Env = append(os.Environ(), "IDEMPOTENCYTEST_MUTANT="+name)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a store that breaks %s:\n%s", tc.want, out)
			}
			if !strings.Contains(string(out), "--- FAIL: TestMutant/"+tc.want) {
				t.Fatalf("the suite did not fail %s:\n%s", tc.want, out)
			}
		})
	}
}

// TestMutant is the child process of TestRunCatchesBrokenStores.
func TestMutant(t *testing.T) {
	name := os.Getenv("IDEMPOTENCYTEST_MUTANT")
	if name == "" {
		t.Skip("runs only as the child process of TestRunCatchesBrokenStores")
	}
	idempotencytest.Run(t, func(t *testing.T) webhook.Store {
		s, err := webhook.NewMemoryStore(nil)
		if err != nil {
			t.Fatal(err)
		}
		m := mutants[name].m
		m.Store = s
		return m
	})
}
