package compat

import "syscall"

// cpuNanos returns the CPU time this process has used, user and system.
// The benchmarks report it per operation beside wall time, because on a
// shared machine wall time mostly measures the neighbours.
func cpuNanos() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
