package ui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// The -update flag may already be registered by a test dependency
// (teatest's golden package registers the same name); share it then.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// goldenScreen compares a rendered screen, stripped of colour and of
// trailing spaces on each line, with testdata/golden/<name>.golden at the
// module root; `go test ./ui -update` rewrites the files instead. name may
// hold slashes to group files in folders.
func goldenScreen(t *testing.T, name, got string) {
	t.Helper()
	lines := strings.Split(ansi.Strip(got), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	got = strings.Join(lines, "\n") + "\n"

	path := filepath.Join("..", "testdata", "golden", filepath.FromSlash(name)+".golden")
	if updating() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatalf("golden %s: %v", name, err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatalf("golden %s: %v", name, err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden %s: %v (run go test ./ui -run '%s' -update to create it)", name, err, t.Name())
	}
	if string(want) == got {
		return
	}
	t.Errorf("screen %s differs from %s (rerun with -update if the change is intended):\n%s",
		name, path, goldenDiff(string(want), got))
}

// goldenDiff shows the lines that differ, numbered, want above got, and
// then the whole screen as rendered.
func goldenDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl == gl {
			continue
		}
		if shown++; shown > 20 {
			b.WriteString("…\n")
			break
		}
		fmt.Fprintf(&b, "line %d:\n  want |%s|\n  got  |%s|\n", i+1, wl, gl)
	}
	if len(w) != len(g) {
		fmt.Fprintf(&b, "want %d lines, got %d\n", len(w), len(g))
	}
	b.WriteString("got:\n" + got)
	return b.String()
}
