package model

import (
	"os"
	"path/filepath"
	"testing"
)

// TestShippedScenarios: every scenario in testdata/scenarios parses, has
// at least five injects and declares at least one incident.
func TestShippedScenarios(t *testing.T) {
	files, err := filepath.Glob("../testdata/scenarios/*.yaml")
	if err != nil || len(files) < 4 {
		t.Fatalf("scenarios: %v, %v; want at least four", files, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := ParseScenario(b)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		declares := 0
		for _, in := range sc.Injects {
			if in.Kind == InjectDeclare {
				declares++
			}
		}
		if len(sc.Injects) < 5 || declares == 0 {
			t.Errorf("%s: %d injects, %d declared incidents", filepath.Base(f), len(sc.Injects), declares)
		}
	}
}
