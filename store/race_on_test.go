//go:build race

package store_test

// raceEnabled: the race detector slows modernc's transpiled SQLite by an
// order of magnitude, so the heaviest tests do less under -race.
const raceEnabled = true
