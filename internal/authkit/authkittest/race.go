//go:build race

package authkittest

// RaceEnabled reports whether the race detector is on. Under it sync.Pool
// drops a share of what is put back, so allocation counts are meaningless.
const RaceEnabled = true
