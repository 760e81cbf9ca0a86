// Package longtest gates the crash, fault and load tests, which start
// processes and servers and deliver thousands of messages, behind the
// WEBHOOK_LONG environment variable. scripts/test.sh (the README's test
// command) runs without it and lists these tests among the skipped, with
// the reason; CI runs them in a step of their own (.ci/run), under the
// race detector at a short scale and without it at full scale.
package longtest

import (
	"os"
	"testing"
)

// Env is the environment variable that enables the long tests.
const Env = "WEBHOOK_LONG"

// Enabled reports whether Env is set to anything but "" or "0".
func Enabled() bool {
	v := os.Getenv(Env)
	return v != "" && v != "0"
}

// Require skips t unless the long tests are enabled. what says what the
// test does, for the skip's reason in the summary.
func Require(t testing.TB, what string) {
	t.Helper()
	if !Enabled() {
		t.Skipf("%s: a long test, run with %s=1 (CI runs it in its long step)", what, Env)
	}
}
