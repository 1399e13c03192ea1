package ssh

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSplitCommand(t *testing.T) {
	tests := []struct {
		raw     string
		want    []string
		errPart string
	}{
		{"", nil, ""},
		{"  \t\n ", nil, ""},
		{"list --json", []string{"list", "--json"}, ""},
		{`note INC-1 "two words"`, []string{"note", "INC-1", "two words"}, ""},
		{`note INC-1 'it''s'`, []string{"note", "INC-1", "its"}, ""},
		{`note INC-1 'it'\''s'`, []string{"note", "INC-1", "it's"}, ""},
		{`declare --summary '' --sev P3`, []string{"declare", "--summary", "", "--sev", "P3"}, ""},
		{`a "" b`, []string{"a", "", "b"}, ""},
		{`a\ b c`, []string{"a b", "c"}, ""},
		{`"a\"b\\c\$d\e"`, []string{`a"b\c$d\e`}, ""},
		{"a\\\nb", []string{"ab"}, ""},
		{"\"a\\\nb\"", []string{"ab"}, ""},
		{`x;rm -rf / $(id) | y & *`, []string{"x;rm", "-rf", "/", "$(id)", "|", "y", "&", "*"}, ""},
		{"caf\xc3\xa9 \xff", []string{"café", "\xff"}, ""},
		{"nbsp\u00a0stays", []string{"nbsp\u00a0stays"}, ""},
		{`note INC-1 "unclosed`, nil, "double quote is not closed"},
		{`note INC-1 'unclosed`, nil, "single quote is not closed"},
		{`note INC-1 trailing\`, nil, "ends with a backslash"},
		{"note INC-1 " + strings.Repeat("x", MaxCommandLine), nil, "more than the 32768 sitrep reads"},
	}
	for _, tt := range tests {
		got, err := SplitCommand(tt.raw)
		if tt.errPart != "" {
			if err == nil || !strings.Contains(err.Error(), tt.errPart) {
				t.Errorf("SplitCommand(%.40q) error %v, want one saying %q", tt.raw, err, tt.errPart)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("SplitCommand(%.40q) = %q, %v; want %q", tt.raw, got, err, tt.want)
		}
	}
}

// shellQuote writes words as a POSIX shell reads them back.
func shellQuote(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

// Any words, quoted as a shell would, split back into the same words; and
// no line makes SplitCommand panic.
func FuzzSplitCommand(f *testing.F) {
	for _, s := range []string{"", "list", `a "b c" 'd'`, `'it'\''s'`, "a\\\nb", `"\$\` + "`" + `"`, "x\x00y", "\xff\xfe", "''", `""`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		words, err := SplitCommand(raw)
		if err != nil {
			return
		}
		back, err := SplitCommand(shellQuote(words))
		if len(shellQuote(words)) > MaxCommandLine {
			return
		}
		if err != nil || !slices.Equal(back, words) && !(len(back) == 0 && len(words) == 0) {
			t.Fatalf("%q split into %q, quoted back into %q and split again into %q (%v)", raw, words, shellQuote(words), back, err)
		}
	})
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
		if _, ok := p.out.WaitFor(0, "SITREP", 10*time.Second); !ok {
			t.Fatal("no board")
		}
	}
	for i := range 100 {
		if out, errOut, code := run(t, c, "whoami"); code != 0 || !strings.HasPrefix(out, "bob ") {
			t.Fatalf("command %d back to back: exit %d, %q %q", i, code, out, errOut)
		}
	}
}
