//go:build unix

package capture

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time (user and system) the process has used, so a
// benchmark on a busy machine can report cost as well as throughput.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
