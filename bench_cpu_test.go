package webhook_test

import (
	"testing"
	"time"

	"github.com/signedhooks/webhook/internal/cputime"
)

// reportCPU adds a "cpu-ns/op" metric: process CPU time per operation since
// start (from cputime.Process). On a shared machine wall time per op swings with
// the load, while CPU time per op stays close to the work done; with
// RunParallel it also gives the throughput all cores could reach.
func reportCPU(b *testing.B, start time.Duration) {
	if end := cputime.Process(); start > 0 && end > start {
		b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
	}
}
