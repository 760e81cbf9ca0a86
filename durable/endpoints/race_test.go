//go:build race

package endpoints_test

// raceEnabled: the race detector slows the pure-Go SQLite driver about
// tenfold, so the load tests send fewer messages under it.
const raceEnabled = true
