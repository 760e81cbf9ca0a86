//go:build race

package durable_test

// raceEnabled: the race detector slows the pure-Go SQLite driver about
// tenfold, so the crash test delivers fewer messages under it.
const raceEnabled = true
