package ssh

import (
	"strings"
	"testing"
	"time"
)

func TestCommandLine(t *testing.T) {
	tests := []struct {
		raw     string
		want    []string
		errPart string
	}{
		{"", nil, ""},
		{"list --json", []string{"list", "--json"}, ""},
		{`note INC-1 "two words"`, []string{"note", "INC-1", "two words"}, ""},
		{`note INC-1 'it''s'`, []string{"note", "INC-1", "its"}, ""},
		{`note INC-1 "unclosed`, nil, "cannot read the command line"},
		{"note INC-1 " + strings.Repeat("x", MaxCommandLine), nil, "more than the 32768 sitrep reads"},
	}
	for _, tt := range tests {
		got, err := commandLine(tt.raw)
		if tt.errPart != "" {
			if err == nil || !strings.Contains(err.Error(), tt.errPart) {
				t.Errorf("commandLine(%.40q) error %v, want one saying %q", tt.raw, err, tt.errPart)
			}
			continue
		}
		if err != nil || strings.Join(got, "\x00") != strings.Join(tt.want, "\x00") {
			t.Errorf("commandLine(%.40q) = %q, %v; want %q", tt.raw, got, err, tt.want)
		}
	}
}

// A command line too long or unreadable is refused in one sentence, at
// once, before any command runs.
func TestCommandLineRefusedOverSSH(t *testing.T) {
	h := newHarness(t, nil)
	for _, raw := range []string{"declare " + strings.Repeat("a", 200<<10) + " P1", `declare "unclosed P1`} {
		start := time.Now()
		out, errOut, code := h.runAs("bob", raw)
		if code != 2 || out != "" || !strings.HasPrefix(errOut, "sitrep: ") || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%.30q: exit %d, stdout %q, stderr %q; want exit 2 and one line", raw, code, out, errOut)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%.30q took %v to refuse", raw, d)
		}
	}
	if out, _, _ := h.runAs("bob", "list"); strings.Contains(out, "unclosed") || strings.Contains(out, "aaaa") {
		t.Errorf("a refused command line wrote an incident: %q", out)
	}
}

// A connection's session slot is free by the time its client hears the
// exit status: with three consoles open on a connection allowed four
// sessions, commands run back to back on it are never refused.
func TestSessionSlotFreeOnExit(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial("bob")
	for range 3 {
		p := openPTY(t, c, 80, 24, true, "")
		if _, ok := p.out.waitFor("SITREP", 10*time.Second); !ok {
			t.Fatal("no board")
		}
	}
	for i := range 100 {
		if out, errOut, code := run(t, c, "whoami"); code != 0 || !strings.HasPrefix(out, "bob ") {
			t.Fatalf("command %d back to back: exit %d, %q %q", i, code, out, errOut)
		}
	}
}
