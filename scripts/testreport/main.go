// Command testreport reads the output of `go test -json` (several modules'
// runs, one after another) on standard input, prints one line per package
// as it finishes, the way `go test` does, and at the end a summary: how
// many tests passed, failed and were skipped, and every skip with its
// reason, so that nothing is skipped silently. It exits 1 when a test or a
// package failed, or the input held no test at all.
//
// scripts/test.sh runs it; it is not meant to be run by hand.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
)

// event is one line of `go test -json` (see `go doc test2json`).
type event struct {
	Action  string
	Package string
	Test    string
	Elapsed float64
	Output  string
}

// skip is a skipped test and what it said when it skipped.
type skip struct {
	pkg, test, reason string
}

type report struct {
	out                   io.Writer
	start                 time.Time
	passed, failed, nskip int
	pkgsOK, pkgsFailed    []string
	failedTests           []string
	skips                 []skip
	pkgSkips              map[string]int      // package → skipped tests
	output                map[string][]string // package/test → its output lines, until it ends
}

func main() {
	r := &report{out: os.Stdout, start: time.Now(), pkgSkips: map[string]int{}, output: map[string][]string{}}
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		r.line(sc.Bytes())
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "testreport: reading input:", err)
		os.Exit(1)
	}
	os.Exit(r.summary())
}

func (r *report) line(b []byte) {
	var e event
	if len(b) == 0 || b[0] != '{' || json.Unmarshal(b, &e) != nil {
		// Not JSON: a message of the script or of the go command.
		fmt.Fprintln(r.out, string(b))
		return
	}
	key := e.Package + "\x00" + e.Test
	switch e.Action {
	case "build-output": // a compiler error, reported before the package fails
		fmt.Fprint(r.out, e.Output)
		return
	case "output":
		if e.Test == "" && isPackageTrailer(e.Output) {
			return // we print our own package line
		}
		r.output[key] = append(r.output[key], e.Output)
		return
	case "pass", "fail", "skip":
	default:
		return
	}
	lines := r.output[key]
	delete(r.output, key)
	if e.Test == "" { // the package ended
		switch e.Action {
		case "fail":
			r.pkgsFailed = append(r.pkgsFailed, e.Package)
			for _, l := range lines {
				fmt.Fprint(r.out, l)
			}
			fmt.Fprintf(r.out, "FAIL\t%s\t%.3fs\n", e.Package, e.Elapsed)
		case "skip":
			fmt.Fprintf(r.out, "?   \t%s\t[no test files]\n", e.Package)
		default:
			r.pkgsOK = append(r.pkgsOK, e.Package)
			note := ""
			if n := r.pkgSkips[e.Package]; n > 0 {
				note = fmt.Sprintf("\t(%d skipped)", n)
			}
			fmt.Fprintf(r.out, "ok  \t%s\t%.3fs%s\n", e.Package, e.Elapsed, note)
		}
		return
	}
	switch e.Action {
	case "pass":
		r.passed++
	case "fail":
		r.failed++
		r.failedTests = append(r.failedTests, e.Package+" "+e.Test)
		for _, l := range lines {
			fmt.Fprint(r.out, l)
		}
	case "skip":
		r.nskip++
		r.pkgSkips[e.Package]++
		r.skips = append(r.skips, skip{pkg: e.Package, test: e.Test, reason: skipReason(lines)})
	}
}

// isPackageTrailer reports whether s is one of go test's own closing lines
// of a package, which the report replaces with its own.
func isPackageTrailer(s string) bool {
	return s == "PASS\n" || s == "FAIL\n" || strings.HasPrefix(s, "ok  \t") || strings.HasPrefix(s, "FAIL\t") ||
		strings.HasPrefix(s, "?   \t")
}

// skipReason finds what a skipped test printed with t.Skip: the output
// lines between "=== RUN" and "--- SKIP", trimmed.
func skipReason(lines []string) string {
	var parts []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		parts = append(parts, t)
	}
	if len(parts) == 0 {
		return "(no reason given)"
	}
	return strings.Join(parts, " ")
}

func (r *report) summary() int {
	fmt.Fprintf(r.out, "\n== summary (%s)\n", time.Since(r.start).Round(time.Second))
	fmt.Fprintf(r.out, "packages: %d ok, %d failed\n", len(r.pkgsOK), len(r.pkgsFailed))
	if len(r.skips) > 0 {
		fmt.Fprintf(r.out, "skipped tests, with their reasons:\n")
		sort.Slice(r.skips, func(i, j int) bool {
			if r.skips[i].pkg != r.skips[j].pkg {
				return r.skips[i].pkg < r.skips[j].pkg
			}
			return r.skips[i].test < r.skips[j].test
		})
		for _, s := range r.skips {
			fmt.Fprintf(r.out, "  %s %s: %s\n", s.pkg, s.test, s.reason)
		}
	} else {
		fmt.Fprintln(r.out, "skipped tests: none")
	}
	for _, f := range r.failedTests {
		fmt.Fprintf(r.out, "failed: %s\n", f)
	}
	for _, p := range r.pkgsFailed {
		fmt.Fprintf(r.out, "failed package: %s\n", p)
	}
	// The plain closing line, for readers of the log that count.
	fmt.Fprintf(r.out, "%d passed, %d failed, %d skipped\n", r.passed, r.failed, r.nskip)
	switch {
	case r.failed > 0 || len(r.pkgsFailed) > 0:
		return 1
	case r.passed == 0:
		fmt.Fprintln(r.out, "testreport: no test ran")
		return 1
	}
	return 0
}
