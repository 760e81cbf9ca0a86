// Package cputime reads the CPU time the process has used, for the
// benchmarks that report CPU per operation next to wall time: on a busy
// machine it is a steadier measure of cost, and when the CPU is the limit,
// throughput is its inverse.
package cputime
