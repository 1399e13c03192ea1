package ui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// clip cuts a (possibly styled) string to w cells, with an ellipsis when
// it had to cut; it never wraps.
func clip(s string, w int) string {
	if w <= 0 {
		return ""
	}
	s = untab(s)
	if lipgloss.Width(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// untab expands tabs, which users may type in multi-line text: a terminal
// would move to the next tab stop, making the line wider than measured.
func untab(s string) string {
	if strings.Contains(s, "\t") {
		return strings.ReplaceAll(s, "\t", "    ")
	}
	return s
}

// cell is clip padded with spaces to exactly w cells. It measures s once
// (a frame measures every line of the screen).
func cell(s string, w int) string {
	if w <= 0 {
		return ""
	}
	s = untab(s)
	n := lipgloss.Width(s)
	if n > w {
		s = ansi.Truncate(s, w, "…")
		n = lipgloss.Width(s)
	}
	if n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

// memo keeps the last piece of a frame drawn from a key, and its width,
// so pieces that change rarely are not drawn again at every tick.
type memo[K comparable] struct {
	key   K
	ok    bool
	out   string
	width int
}

func (c *memo[K]) get(key K, draw func() string) string {
	if !c.ok || c.key != key {
		c.key, c.ok, c.out = key, true, draw()
		c.width = lipgloss.Width(c.out)
	}
	return c.out
}

// fit makes a screen exactly w cells wide and h lines high: long lines
// are clipped, short ones padded, missing lines added, extra ones dropped.
func fit(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	for i, l := range lines {
		lines[i] = cell(l, w)
	}
	return strings.Join(lines, "\n")
}

// window returns the lines [off, off+n) of lines, moving off so that the
// line at cursor is visible.
func window(lines []string, cursor, off, n int) ([]string, int) {
	if n <= 0 {
		return nil, off
	}
	off = inView(cursor, off, n, len(lines))
	end := min(len(lines), off+n)
	return lines[off:end], off
}

// inView is the first of n rows shown out of total, moved from off as
// little as keeps the row at cursor in view and the view within the rows.
func inView(cursor, off, n, total int) int {
	if cursor < off {
		off = cursor
	}
	if cursor >= off+n {
		off = cursor - n + 1
	}
	return max(0, min(off, total-n))
}
