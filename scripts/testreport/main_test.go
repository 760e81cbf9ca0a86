package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func run(input string) (string, int) {
	var out bytes.Buffer
	r := &report{out: &out, start: time.Now(), pkgSkips: map[string]int{}, output: map[string][]string{}}
	for _, l := range strings.Split(strings.TrimSpace(input), "\n") {
		r.line([]byte(l))
	}
	code := r.summary()
	return out.String(), code
}

func TestReport(t *testing.T) {
	t.Parallel()
	out, code := run(`== go test in .
{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"pass","Package":"p","Test":"TestA","Elapsed":0.01}
{"Action":"run","Package":"p","Test":"TestB"}
{"Action":"output","Package":"p","Test":"TestB","Output":"=== RUN   TestB\n"}
{"Action":"output","Package":"p","Test":"TestB","Output":"    b_test.go:9: DATABASE_URL is not set\n"}
{"Action":"output","Package":"p","Test":"TestB","Output":"--- SKIP: TestB (0.00s)\n"}
{"Action":"skip","Package":"p","Test":"TestB","Elapsed":0}
{"Action":"output","Package":"p","Output":"PASS\n"}
{"Action":"output","Package":"p","Output":"ok  \tp\t0.02s\n"}
{"Action":"pass","Package":"p","Elapsed":0.02}`)
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "== go test in .\n")
	assert.Contains(t, out, "ok  \tp\t0.020s\t(1 skipped)\n")
	assert.Contains(t, out, "  p TestB: b_test.go:9: DATABASE_URL is not set\n")
	assert.True(t, strings.HasSuffix(out, "1 passed, 0 failed, 1 skipped\n"), out)
	assert.Equal(t, 1, strings.Count(out, "ok  \tp"), "go test's own package line is replaced")
}

func TestReportFailures(t *testing.T) {
	t.Parallel()
	out, code := run(`{"Action":"output","Package":"p","Test":"TestA","Output":"    a_test.go:3: boom\n"}
{"Action":"fail","Package":"p","Test":"TestA","Elapsed":0.01}
{"Action":"fail","Package":"p","Elapsed":0.02}
{"ImportPath":"q","Action":"build-output","Output":"q/x.go:1:1: syntax error\n"}
{"Action":"fail","Package":"q","Elapsed":0,"FailedBuild":"q"}`)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "a_test.go:3: boom")
	assert.Contains(t, out, "q/x.go:1:1: syntax error")
	assert.Contains(t, out, "failed: p TestA\n")
	assert.Contains(t, out, "failed package: q\n")
	assert.True(t, strings.HasSuffix(out, "0 passed, 1 failed, 0 skipped\n"), out)
}

func TestReportNoTests(t *testing.T) {
	t.Parallel()
	out, code := run(`{"Action":"skip","Package":"p","Elapsed":0}`)
	assert.Equal(t, 1, code, "a run without tests is not a success")
	assert.Contains(t, out, "no test ran")
}
