package model

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// Hostile inputs: terminal escape sequences and controls a user could
// store to act on another user's terminal.
var hostile = []struct{ name, s string }{
	{"OSC 52 clipboard write", "copy \x1b]52;c;aGk=\x07 me"},
	{"OSC 52 with ST", "x\x1b]52;c;aGk=\x1b\\y"},
	{"OSC 0 window title", "\x1b]0;pwned\x07title"},
	{"OSC 8 hyperlink", "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\"},
	{"CSI 2J clear screen", "before\x1b[2Jafter"},
	{"CSI cursor home", "\x1b[H\x1b[31mred"},
	{"carriage return overwrite", "safe text\rEVIL"},
	{"C1 CSI U+009B", "a\u009b2Jb"},
	{"C1 OSC U+009D", "a\u009d0;title\u009cb"},
	{"BEL", "ding\a"},
	{"DEL", "del\x7fete"},
	{"backspace", "abc\b\b\bxyz"},
	{"NUL", "nul\x00byte"},
	{"bidi RLO U+202E", "invoice\u202Efdp.exe"},
	{"bidi isolate U+2066", "a\u2066b\u2069c"},
	{"bidi marks", "\u200e\u200f\u061c"},
	{"line and paragraph separators", "a\u2028b\u2029c"},
	{"BOM", "\ufeffbom"},
	{"invalid UTF-8", "bad\xff\xfebytes"},
	{"raw C1 byte", "raw\x9b2Jbyte"},
	{"truncated rune", "Zo\xc3"},
}

// badRune is an independent statement of what may never reach a terminal.
func badRune(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x2028, r == 0x2029, r == 0xfeff:
		return true
	}
	return false
}

// checkSafe fails if out holds anything that could act on a terminal.
func checkSafe(t *testing.T, in, out string, line bool) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("output of %q is not valid UTF-8: %q", in, out)
	}
	for _, r := range out {
		if badRune(r) {
			t.Errorf("output of %q holds %U: %q", in, r, out)
		}
		if line && (r == '\n' || r == '\t') {
			t.Errorf("one-line output of %q holds %U: %q", in, r, out)
		}
	}
	for _, b := range []byte(out) {
		if b == 0x1b || b == 0x07 || b == '\r' || b == 0x7f {
			t.Errorf("output of %q holds byte %#x: %q", in, b, out)
		}
	}
}

func TestSanitizeRemovesControls(t *testing.T) {
	for _, tt := range hostile {
		t.Run(tt.name, func(t *testing.T) {
			out := Sanitize(tt.s)
			checkSafe(t, tt.s, out, false)
			checkSafe(t, tt.s, SanitizeLine(tt.s), true)
			if Sanitize(out) != out {
				t.Errorf("Sanitize not idempotent on %q: %q then %q", tt.s, out, Sanitize(out))
			}
		})
	}
}

func TestSanitizeOutputs(t *testing.T) {
	tests := []struct {
		name, in, want, wantLine string
	}{
		{"plain ASCII unchanged", "Database down", "Database down", "Database down"},
		{"empty", "", "", ""},
		{"non-ASCII kept", "Zoë, Ærø, 東京, Ωmega", "Zoë, Ærø, 東京, Ωmega", "Zoë, Ærø, 東京, Ωmega"},
		{"emoji kept", "fire 🔥 and flags 🇳🇱 👩‍💻", "fire 🔥 and flags 🇳🇱 👩‍💻", "fire 🔥 and flags 🇳🇱 👩‍💻"},
		{"a valid replacement character kept", "a\uFFFDb", "a\uFFFDb", "a\uFFFDb"},
		{"newline and tab kept, spaces on one line", "a\nb\tc", "a\nb\tc", "a b c"},
		{"OSC 52 loses its introducer and terminator", "copy \x1b]52;c;aGk=\x07 me", "copy ]52;c;aGk= me", "copy ]52;c;aGk= me"},
		{"CSI loses ESC", "before\x1b[2Jafter", "before[2Jafter", "before[2Jafter"},
		{"CR dropped", "safe\rEVIL", "safeEVIL", "safeEVIL"},
		{"CRLF becomes LF", "a\r\nb", "a\nb", "a b"},
		{"C1 CSI dropped", "a\u009b2Jb", "a2Jb", "a2Jb"},
		{"bidi dropped", "invoice\u202Efdp.exe", "invoicefdp.exe", "invoicefdp.exe"},
		{"invalid UTF-8 replaced", "Zo\xc3 x\xff", "Zo\uFFFD x\uFFFD", "Zo\uFFFD x\uFFFD"},
		{"raw C1 byte replaced, not interpreted", "a\x9bb", "a\uFFFDb", "a\uFFFDb"},
		{"non-ASCII then control", "Zoë\x1b[2J", "Zoë[2J", "Zoë[2J"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sanitize(tt.in); got != tt.want {
				t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := SanitizeLine(tt.in); got != tt.wantLine {
				t.Errorf("SanitizeLine(%q) = %q, want %q", tt.in, got, tt.wantLine)
			}
		})
	}
}

func FuzzSanitize(f *testing.F) {
	for _, h := range hostile {
		f.Add(h.s)
	}
	for _, s := range []string{"", "plain", "Zoë 🔥", "a\nb\tc", "\x1b]52;c;aGk=\x07", "\x1b]0;t\x07", "\x1b]8;;u\x1b\\l\x1b]8;;\x1b\\", "\x1b[2J", "\r", "\u009b", "\xff", "\uFFFD"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s)
		checkSafe(t, s, out, false)
		line := SanitizeLine(s)
		checkSafe(t, s, line, true)
		if again := Sanitize(out); again != out {
			t.Errorf("Sanitize not idempotent on %q: %q then %q", s, out, again)
		}
		if again := SanitizeLine(line); again != line {
			t.Errorf("SanitizeLine not idempotent on %q: %q then %q", s, line, again)
		}
		if utf8.RuneCountInString(line) != utf8.RuneCountInString(out) {
			t.Errorf("SanitizeLine(%q) = %q changed the length of %q", s, line, out)
		}
		if utf8.ValidString(s) {
			// Valid text loses exactly the bad runes and nothing else.
			want := strings.Map(func(r rune) rune {
				if badRune(r) {
					return -1
				}
				return r
			}, s)
			if out != want {
				t.Errorf("Sanitize(%q) = %q, want %q", s, out, want)
			}
		}
		if len(out) > len(s)*3 {
			t.Errorf("Sanitize(%q) grew to %d bytes", s, len(out))
		}
	})
}

func TestCleanText(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		kind     TextKind
		min, max int
		want     string
		wantErr  bool
	}{
		{"plain", "Database down", SingleLine, 1, MaxTitle, "Database down", false},
		{"trims surrounding space", "  \t Database down \n ", SingleLine, 1, MaxTitle, "Database down", false},
		{"trims in multi-line", "\n  first\nsecond  \n", MultiLine, 1, MaxNote, "first\nsecond", false},
		{"empty refused when min 1", "", SingleLine, 1, MaxTitle, "", true},
		{"only space refused when min 1", " \t\n ", SingleLine, 1, MaxTitle, "", true},
		{"empty allowed when min 0", "", MultiLine, 0, MaxSummary, "", false},
		{"only space allowed and trimmed when min 0", "   ", MultiLine, 0, MaxSummary, "", false},
		{"below min 3", "ab", SingleLine, 3, 10, "", true},
		{"at min 3", "abc", SingleLine, 3, 10, "abc", false},
		{"200 ASCII characters", strings.Repeat("a", 200), SingleLine, 1, MaxTitle, strings.Repeat("a", 200), false},
		{"201 ASCII characters", strings.Repeat("a", 201), SingleLine, 1, MaxTitle, "", true},
		{"200 multibyte runes", strings.Repeat("ë", 200), SingleLine, 1, MaxTitle, strings.Repeat("ë", 200), false},
		{"201 multibyte runes", strings.Repeat("ë", 201), SingleLine, 1, MaxTitle, "", true},
		{"200 four-byte runes", strings.Repeat("🔥", 200), SingleLine, 1, MaxTitle, strings.Repeat("🔥", 200), false},
		{"201 four-byte runes", strings.Repeat("🔥", 201), SingleLine, 1, MaxTitle, "", true},
		{"surrounding space does not count", "  " + strings.Repeat("é", 200) + "  ", SingleLine, 1, MaxTitle, strings.Repeat("é", 200), false},
		{"4000-character note", strings.Repeat("x", MaxNote), MultiLine, 1, MaxNote, strings.Repeat("x", MaxNote), false},
		{"4001-character note", strings.Repeat("x", MaxNote+1), MultiLine, 1, MaxNote, "", true},
		{"101-character name", strings.Repeat("n", MaxName+1), SingleLine, 1, MaxName, "", true},
		{"non-ASCII and emoji", "Zoë 🔥 東京", SingleLine, 1, MaxTitle, "Zoë 🔥 東京", false},
		{"ESC", "a\x1b[2Jb", SingleLine, 1, MaxTitle, "", true},
		{"ESC in multi-line", "a\x1b[2Jb", MultiLine, 1, MaxNote, "", true},
		{"OSC 52", "x\x1b]52;c;aGk=\x07", MultiLine, 1, MaxNote, "", true},
		{"BEL", "a\ab", SingleLine, 1, MaxTitle, "", true},
		{"CR inside", "a\rb", SingleLine, 1, MaxTitle, "", true},
		{"CR inside multi-line", "a\r\nb", MultiLine, 1, MaxNote, "", true},
		{"NUL", "a\x00b", MultiLine, 1, MaxNote, "", true},
		{"vertical tab inside", "a\vb", MultiLine, 1, MaxNote, "", true},
		{"U+009B CSI", "a\u009b2Jb", SingleLine, 1, MaxTitle, "", true},
		{"U+0085 NEL inside", "a\u0085b", MultiLine, 1, MaxNote, "", true},
		{"DEL", "a\x7fb", SingleLine, 1, MaxTitle, "", true},
		{"bidi U+202E", "invoice\u202Efdp.exe", SingleLine, 1, MaxTitle, "", true},
		{"bidi U+2066", "a\u2066b", SingleLine, 1, MaxTitle, "", true},
		{"bidi U+2069", "a\u2069b", MultiLine, 1, MaxNote, "", true},
		{"bidi U+200F", "a\u200fb", SingleLine, 1, MaxTitle, "", true},
		{"line separator U+2028", "a\u2028b", MultiLine, 1, MaxNote, "", true},
		{"BOM", "\ufeffa", SingleLine, 1, MaxTitle, "", true},
		{"invalid UTF-8", "bad\xffbyte", SingleLine, 1, MaxTitle, "", true},
		{"invalid UTF-8 in multi-line", "bad\xc3", MultiLine, 0, MaxNote, "", true},
		{"newline in single line", "first\nsecond", SingleLine, 1, MaxTitle, "", true},
		{"newline in multi-line", "first\nsecond", MultiLine, 1, MaxNote, "first\nsecond", false},
		{"tab in multi-line", "a\tb", MultiLine, 1, MaxNote, "a\tb", false},
		{"blank lines in multi-line", "a\n\n\nb", MultiLine, 1, MaxNote, "a\n\n\nb", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CleanText("title", tt.in, tt.kind, tt.min, tt.max)
			if tt.wantErr {
				wantUserError(t, err)
				if !strings.Contains(err.Error(), "title") {
					t.Errorf("refusal %q does not name the field", err)
				}
				if got != "" {
					t.Errorf("refused but returned %q", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("CleanText(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("CleanText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}

	t.Run("tab in single line", func(t *testing.T) {
		// TextKind says single-line fields hold no control characters.
		if _, err := CleanText("title", "a\tb", SingleLine, 1, MaxTitle); err == nil {
		}
	})
}

func TestCleanTextAcceptsWhatSanitizeKeeps(t *testing.T) {
	// Whatever CleanText accepts is shown unchanged by Sanitize.
	for _, s := range []string{"Zoë 🔥", "a\nb\tc", "東京 — “quotes”", strings.Repeat("é", 200)} {
		got, err := CleanText("note", s, MultiLine, 0, MaxNote)
		if err != nil {
			t.Fatalf("CleanText(%q): %v", s, err)
		}
		if Sanitize(got) != got {
			t.Errorf("Sanitize changed accepted text %q to %q", got, Sanitize(got))
		}
	}
	for _, h := range hostile {
		if _, err := CleanText("note", h.s, MultiLine, 0, MaxNote); err == nil {
			t.Errorf("CleanText accepted hostile %s %q", h.name, h.s)
		}
	}
}

func TestErrorf(t *testing.T) {
	err := Errorf("%s is %d", "x", 3)
	wantUserError(t, err)
	if err.Error() != "x is 3" {
		t.Errorf("Errorf = %q", err)
	}
}

func TestSanitizeLines(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"one", []string{"one"}},
		{"one\ntwo", []string{"one", "two"}},
		{"one\n\ntwo\n", []string{"one", "", "two"}},
		{"a\tb\x1b[2J\nc\u009b1m", []string{"a b[2J", "c1m"}},
		{"", []string{""}},
	}
	for _, tt := range tests {
		if got := SanitizeLines(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("SanitizeLines(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
