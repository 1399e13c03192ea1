package model

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits on user text, in characters (runes), from the specification.
const (
	MaxTitle   = 200
	MaxSummary = 4000
	MaxNote    = 4000
	MaxName    = 100
	MaxReason  = 500
	MaxChannel = 100
)

// TextKind says which control characters a field may hold: single-line
// fields hold none, multi-line fields may hold newline and tab.
type TextKind int

const (
	SingleLine TextKind = iota
	MultiLine
)

// CleanText validates user input for a field and returns it with
// surrounding space trimmed. Control characters (C0, C1, DEL), bidirectional
// controls and invalid UTF-8 are refused rather than silently dropped, so
// what is stored is exactly what the user meant.
func CleanText(field, s string, kind TextKind, min, max int) (string, error) {
	if !utf8.ValidString(s) {
		return "", Errorf("the %s is not valid UTF-8 text", field)
	}
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	if n < min {
		if min == 1 {
			return "", Errorf("the %s is empty; give it some text", field)
		}
		return "", Errorf("the %s is too short: at least %d characters", field, min)
	}
	if n > max {
		return "", Errorf("the %s is %d characters long; the limit is %d", field, n, max)
	}
	for _, r := range s {
		if kind == MultiLine && (r == '\n' || r == '\t') {
			continue
		}
		if forbidden(r) {
			return "", Errorf("the %s holds a control character (%U); remove it and try again", field, r)
		}
	}
	return s, nil
}

// forbidden reports the runes that can act on a terminal or reorder text
// when displayed: C0 and C1 controls, DEL, and Unicode bidi controls.
func forbidden(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f,
		r >= 0x202a && r <= 0x202e,
		r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0xfeff, r == 0x2028, r == 0x2029:
		return true
	}
	return false
}

// Sanitize makes text safe to put on a terminal: it drops every escape
// sequence introducer and control character except newline and tab (as
// multi-line text) — ESC, BEL, CR, C1 controls such as U+009B (CSI), DEL
// and bidi controls — and replaces invalid UTF-8. Whatever a user stored,
// the result cannot move the cursor, set a title, write the clipboard or
// reorder the text around it.
func Sanitize(s string) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if r == '\n' || r == '\t' {
			b.WriteRune(r)
			continue
		}
		if forbidden(r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// SanitizeLines is s sanitised as SanitizeLine is, but a line per line of
// s: a multi-line note keeps its lines wherever it is shown.
func SanitizeLines(s string) []string {
	lines := strings.Split(strings.TrimRight(Sanitize(s), "\n"), "\n")
	for i, l := range lines {
		lines[i] = SanitizeLine(l)
	}
	return lines
}

// SanitizeLine is Sanitize for one-line display: newlines and tabs become
// spaces.
func SanitizeLine(s string) string {
	s = Sanitize(s)
	if strings.ContainsAny(s, "\n\t") {
		s = strings.Map(func(r rune) rune {
			if r == '\n' || r == '\t' {
				return ' '
			}
			return r
		}, s)
	}
	return s
}

func isClean(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f || c >= 0x80 {
			// Non-ASCII needs the rune walk; most text is ASCII.
			if c >= 0x80 {
				return runesClean(s[i:])
			}
			return false
		}
	}
	return true
}

func runesClean(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || (r != '\n' && r != '\t' && forbidden(r)) {
			return false
		}
	}
	return true
}

// Error is a refusal meant for the user: one sentence saying what is wrong
// and, where it helps, what to do. Interfaces print it as it is.
type Error struct{ msg string }

func (e *Error) Error() string { return e.msg }

// Errorf builds a user-facing Error.
func Errorf(format string, args ...any) error {
	return &Error{msg: fmt.Sprintf(format, args...)}
}
