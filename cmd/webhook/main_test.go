package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bin is the webhook binary built once for the end-to-end tests.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "webhook-cli-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "webhook")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building webhook: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

func (r result) output() string { return r.stdout + r.stderr }

// webhookCmd runs the binary with stdin and extra environment variables.
func webhookCmd(t *testing.T, stdin string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// newSecret returns a fresh secret from "webhook secret".
func newSecret(t *testing.T) string {
	t.Helper()
	r := webhookCmd(t, "", nil, "secret")
	require.Equal(t, 0, r.code, r.output())
	s := strings.TrimSpace(r.stdout)
	require.True(t, strings.HasPrefix(s, "whsec_"), s)
	return s
}

func TestSecretPrintsDistinctSecrets(t *testing.T) {
	t.Parallel()
	assert.NotEqual(t, newSecret(t), newSecret(t))
}

func TestSignVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	env := []string{"WH_SECRET=" + newSecret(t)}
	body := "{\"event\":\"invoice.paid\",\"data\":{\"n\":1}}\n"

	sign := webhookCmd(t, body, env, "sign", "-secret-env", "WH_SECRET")
	require.Equal(t, 0, sign.code, sign.output())
	header := strings.TrimSpace(sign.stdout)
	require.Regexp(t, `^t=\d+,s=[0-9a-f]{64}$`, header)

	verify := webhookCmd(t, body, env, "verify", "-secret-env", "WH_SECRET", "-signature", header)
	assert.Equal(t, 0, verify.code, verify.output())
	assert.Equal(t, "valid\n", verify.stdout)

	file := filepath.Join(t.TempDir(), "body.json")
	require.NoError(t, os.WriteFile(file, []byte(body), 0o600))
	fromFile := webhookCmd(t, "", env, "verify", "-secret-env", "WH_SECRET", "-signature", header, "-data-file", file)
	assert.Equal(t, 0, fromFile.code, fromFile.output())
}

func TestVerifyFailures(t *testing.T) {
	t.Parallel()
	env := []string{"WH_SECRET=" + newSecret(t), "WH_OTHER=" + newSecret(t)}
	body := `{"event":"ping"}`
	signAt := func(ts string) string {
		r := webhookCmd(t, body, env, "sign", "-secret-env", "WH_SECRET", "-timestamp", ts)
		require.Equal(t, 0, r.code, r.output())
		return strings.TrimSpace(r.stdout)
	}
	now := time.Now()
	old := signAt(fmt.Sprint(now.Add(-time.Hour).Unix()))
	future := signAt(now.Add(time.Hour).UTC().Format(time.RFC3339))
	fresh := signAt(fmt.Sprint(now.Unix()))
	tests := []struct {
		name   string
		body   string
		args   []string
		code   int
		stdout string
	}{
		{name: "tampered body", body: `{"event":"pong"}`, args: []string{"-signature", fresh}, code: 1,
			stdout: "invalid: webhook: no matching signature\n"},
		{name: "other secret", body: body, args: []string{"-signature", fresh, "-secret-env", "WH_OTHER"}, code: 1,
			stdout: "invalid: webhook: no matching signature\n"},
		{name: "malformed header", body: body, args: []string{"-signature", "s=abc"}, code: 1,
			stdout: "invalid: webhook: malformed signature header"},
		{name: "too old", body: body, args: []string{"-signature", old}, code: 1,
			stdout: "invalid: webhook: timestamp too old: signed 1h0m"},
		{name: "in the future", body: body, args: []string{"-signature", future}, code: 1,
			stdout: "invalid: webhook: timestamp in the future"},
		{name: "old but within a wide tolerance", body: body, args: []string{"-signature", old, "-tolerance", "2h"}, code: 0,
			stdout: "valid\n"},
		{name: "old without the timestamp check", body: body, args: []string{"-signature", old, "-no-tolerance"}, code: 0,
			stdout: "valid\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"verify", "-secret-env", "WH_SECRET"}, tc.args...)
			r := webhookCmd(t, tc.body, env, args...)
			assert.Equal(t, tc.code, r.code, r.output())
			assert.True(t, strings.HasPrefix(r.stdout, tc.stdout), "stdout %q, want prefix %q", r.stdout, tc.stdout)
		})
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	env := []string{"WH_SECRET=" + newSecret(t)}
	tests := []struct {
		name string
		args []string
	}{
		{"no command", nil},
		{"unknown command", []string{"frobnicate"}},
		{"unknown flag", []string{"sign", "-nope"}},
		{"sign without a secret", []string{"sign", "-data", "x"}},
		{"both secret flags", []string{"sign", "-secret-env", "WH_SECRET", "-secret", "whsec_AAAAAAAAAAAAAAAAAAAAAA==", "-data", "x"}},
		{"stray argument", []string{"sign", "-secret-env", "WH_SECRET", "body.json"}},
		{"bad timestamp", []string{"sign", "-secret-env", "WH_SECRET", "-timestamp", "yesterday", "-data", "x"}},
		{"both data flags", []string{"sign", "-secret-env", "WH_SECRET", "-data", "x", "-data-file", "f"}},
		{"verify without signature", []string{"verify", "-secret-env", "WH_SECRET", "-data", "x"}},
		{"tolerance and no-tolerance", []string{"verify", "-secret-env", "WH_SECRET", "-signature", "t=1,s=00", "-tolerance", "1m", "-no-tolerance"}},
		{"send without url", []string{"send", "-secret-env", "WH_SECRET", "-data", "{}"}},
		{"send -type with a body that is not JSON", []string{"send", "-url", "http://127.0.0.1:1/", "-secret-env", "WH_SECRET", "-type", "t", "-data", "x"}},
		{"listen with no history", []string{"listen", "-history", "0"}},
		{"listen on a reserved path", []string{"listen", "-path", "/history"}},
		{"secret with an argument", []string{"secret", "extra"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := webhookCmd(t, "", env, tc.args...)
			assert.Equal(t, 2, r.code, r.output())
			assert.NotEmpty(t, r.stderr)
		})
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"-h"}, {"help"}, {"listen", "-h"}, {"send", "-h"}, {"sign", "-h"}, {"verify", "--help"}, {"secret", "-h"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			r := webhookCmd(t, "", nil, args...)
			assert.Equal(t, 0, r.code, r.output())
			assert.Contains(t, r.output(), "Usage")
		})
	}
}

func TestFailureExitsOne(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  []string
		args []string
	}{
		{"secret variable unset", nil, []string{"sign", "-secret-env", "WH_UNSET_FOR_TEST", "-data", "x"}},
		{"secret too short", nil, []string{"sign", "-secret", "short", "-data", "x"}},
		{"missing data file", []string{"WH_SECRET=whsec_AAAAAAAAAAAAAAAAAAAAAA=="}, []string{"sign", "-secret-env", "WH_SECRET", "-data-file", "/nonexistent/body"}},
		{"listen on a busy address", nil, []string{"listen", "-addr", "256.0.0.1:1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := webhookCmd(t, "", tc.env, tc.args...)
			assert.Equal(t, 1, r.code, r.output())
			assert.NotEmpty(t, r.stderr)
		})
	}
}
