package store

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestDecodeNames checks the board's fast path against encoding/json for
// names that hold the characters JSON escapes.
func TestDecodeNames(t *testing.T) {
	for _, names := range [][]string{{"Acme"}, {"Acme", "Globex"}, {`a","b`}, {`back\slash`}, {"Zoë <&>"}, {`"`}, {""}, {"a", ""}} {
		b, err := json.Marshal(names)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeNames(string(b))
		if err != nil || !slices.Equal(got, names) {
			t.Errorf("decodeNames(%s) = %q, %v; want %q", b, got, err, names)
		}
	}
	if got, err := decodeNames("[]"); err != nil || len(got) != 0 {
		t.Errorf("decodeNames([]) = %q, %v", got, err)
	}
	if _, err := decodeNames(`["unterminated`); err == nil {
		t.Error("decodeNames accepted broken JSON")
	}
}
