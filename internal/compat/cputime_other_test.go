//go:build !linux

package compat

// cpuNanos is not measured outside Linux.
func cpuNanos() int64 { return 0 }
