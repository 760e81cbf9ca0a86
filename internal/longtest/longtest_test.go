package longtest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEnabled(t *testing.T) {
	for v, want := range map[string]bool{"": false, "0": false, "1": true, "yes": true} {
		t.Setenv(Env, v)
		assert.Equal(t, want, Enabled(), "%s=%q", Env, v)
	}
}

// skipRecorder is a testing.TB whose Skipf records instead of skipping.
type skipRecorder struct {
	testing.TB
	skipped string
}

func (r *skipRecorder) Skipf(format string, args ...any) { r.skipped = fmt.Sprintf(format, args...) }

func TestRequire(t *testing.T) {
	t.Setenv(Env, "")
	r := &skipRecorder{TB: t}
	Require(r, "crash test")
	assert.Equal(t, "crash test: a long test, run with WEBHOOK_LONG=1 (CI runs it in its long step)", r.skipped)

	t.Setenv(Env, "1")
	r = &skipRecorder{TB: t}
	Require(r, "crash test")
	assert.Empty(t, r.skipped, "Require skipped with %s=1", Env)
}
