// Package sshtest reads what a console sends to a terminal, for tests of
// sitrep over SSH: how far the output reaches, and the text a user would
// see on screen.
package sshtest

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Extent follows the cursor through output written for a terminal
// w columns wide and reports the furthest column and row any glyph was
// printed at or the cursor was sent to (1-based), and for each row the
// furthest column printed at.
func Extent(out []byte, w int) (maxCol, maxRow int, rows map[int]int) {
	rows = map[int]int{}
	row, col := 1, 1
	savedRow, savedCol := 1, 1
	var last rune = ' '
	note := func(r, c int) { maxCol, maxRow = max(maxCol, c), max(maxRow, r) }
	print := func(ch rune) {
		cw := ansi.StringWidth(string(ch))
		if cw == 0 {
			return
		}
		if col+cw-1 > w { // autowrap, as a terminal does
			row, col = row+1, 1
		}
		note(row, col+cw-1)
		rows[row] = max(rows[row], col+cw-1)
		col += cw
		last = ch
	}
	move := func(r, c int) {
		row, col = max(1, r), max(1, c)
		note(row, col)
	}
	for i := 0; i < len(out); {
		b := out[i]
		switch {
		case b == 0x1b && i+1 < len(out):
			i++
			switch out[i] {
			case '[':
				i++
				start := i
				for i < len(out) && (out[i] < 0x40 || out[i] > 0x7e) {
					i++
				}
				if i >= len(out) {
					return
				}
				params, final := string(out[start:i]), out[i]
				i++
				if strings.ContainsAny(params, "?<>=") {
					continue
				}
				ns := csiParams(params)
				arg := func(k, def int) int { return csiArg(ns, k, def) }
				switch final {
				case 'H', 'f':
					move(arg(0, 1), arg(1, 1))
				case 'A':
					move(row-arg(0, 1), col)
				case 'B':
					move(row+arg(0, 1), col)
				case 'C':
					move(row, col+arg(0, 1))
				case 'D':
					move(row, col-arg(0, 1))
				case 'E':
					move(row+arg(0, 1), 1)
				case 'F':
					move(row-arg(0, 1), 1)
				case 'G', '`':
					move(row, arg(0, 1))
				case 'd':
					move(arg(0, 1), col)
				case 'b':
					for range arg(0, 1) {
						print(last)
					}
				case 'r':
					move(1, 1)
				case 's':
					savedRow, savedCol = row, col
				case 'u':
					row, col = savedRow, savedCol
				}
			case ']', 'P', '_', '^', 'X': // strings up to BEL or ST
				i++
				for i < len(out) && out[i] != 0x07 && !(out[i] == 0x1b && i+1 < len(out) && out[i+1] == '\\') {
					i++
				}
				if i < len(out) && out[i] == 0x07 {
					i++
				} else {
					i += 2
				}
			case '7':
				savedRow, savedCol = row, col
				i++
			case '8':
				row, col = savedRow, savedCol
				i++
			case 'D':
				move(row+1, col)
				i++
			case 'E':
				move(row+1, 1)
				i++
			case 'M':
				move(row-1, col)
				i++
			case '(', ')', '*', '+', '#', ' ':
				i += 2
			default:
				i++
			}
		case b == '\r':
			col = 1
			i++
		case b == '\n':
			move(row+1, col)
			i++
		case b == '\b':
			col = max(1, col-1)
			i++
		case b == '\t':
			move(row, (col-1)/8*8+9)
			i++
		case b < 0x20 || b == 0x7f:
			i++
		default:
			r, n := utf8.DecodeRune(out[i:])
			print(r)
			i += n
		}
	}
	return
}

// Screen is a small terminal emulator, enough for what the
// console's renderer sends: cursor moves, erases, scrolling regions,
// insert and delete, repeat, autowrap. It turns a raw byte stream into the
// text a user would see, so a test can wait for what is on screen however
// the renderer chose to draw it (it redraws only the cells that change).
type Screen struct {
	w, h               int
	cells              [][]rune // 0: blank; -1: the right half of a wide rune
	row, col           int      // 0-based
	top, bot           int      // scrolling region, 0-based, inclusive
	wrapNext           bool     // printed in the last column; the next glyph wraps
	noWrap             bool     // DECAWM off
	savedRow, savedCol int
	last               rune
}

func NewScreen(w, h int) *Screen {
	s := &Screen{w: w, h: h, top: 0, bot: h - 1, last: ' '}
	s.cells = make([][]rune, h)
	for i := range s.cells {
		s.cells[i] = make([]rune, w)
	}
	return s
}

// Render plays out into a w×h screen and returns its text.
func Render(out []byte, w, h int) string {
	s := NewScreen(w, h)
	s.Write(out)
	return s.Text()
}

func (s *Screen) Text() string {
	var b strings.Builder
	for i, line := range s.cells {
		if i > 0 {
			b.WriteByte('\n')
		}
		var l strings.Builder
		for _, r := range line {
			switch r {
			case 0:
				l.WriteByte(' ')
			case -1:
			default:
				l.WriteRune(r)
			}
		}
		b.WriteString(strings.TrimRight(l.String(), " "))
	}
	return b.String()
}

func (s *Screen) clampCursor() {
	s.row = min(max(s.row, 0), s.h-1)
	s.col = min(max(s.col, 0), s.w-1)
	s.wrapNext = false
}

func (s *Screen) blankRow() []rune { return make([]rune, s.w) }

// scrollUp moves the region's lines up n, blank lines in at the bottom.
func (s *Screen) scrollUp(top, n int) {
	for range n {
		copy(s.cells[top:s.bot+1], s.cells[top+1:s.bot+1])
		s.cells[s.bot] = s.blankRow()
	}
}

// scrollDown moves the region's lines from top down n.
func (s *Screen) scrollDown(top, n int) {
	for range n {
		copy(s.cells[top+1:s.bot+1], s.cells[top:s.bot])
		s.cells[top] = s.blankRow()
	}
}

func (s *Screen) lineFeed() {
	s.wrapNext = false
	if s.row == s.bot {
		s.scrollUp(s.top, 1)
		return
	}
	if s.row < s.h-1 {
		s.row++
	}
}

func (s *Screen) print(r rune) {
	cw := ansi.StringWidth(string(r))
	if cw == 0 {
		return
	}
	if s.wrapNext && !s.noWrap {
		s.col = 0
		s.lineFeed()
	}
	s.wrapNext = false
	if s.col+cw > s.w {
		if s.noWrap {
			s.col = s.w - cw
		} else {
			s.col = 0
			s.lineFeed()
		}
	}
	s.cells[s.row][s.col] = r
	if cw == 2 && s.col+1 < s.w {
		s.cells[s.row][s.col+1] = -1
	}
	s.last = r
	if s.col+cw >= s.w {
		s.col = s.w - 1
		s.wrapNext = true
	} else {
		s.col += cw
	}
}

func (s *Screen) erase(row, from, to int) {
	for c := max(0, from); c < min(to, s.w); c++ {
		s.cells[row][c] = 0
	}
}

func (s *Screen) Write(out []byte) int {
	for i := 0; i < len(out); {
		b := out[i]
		switch {
		case b == 0x1b:
			if i+1 >= len(out) {
				return i
			}
			next := s.escape(out, i+1)
			if next < 0 {
				return i // incomplete: wait for the rest
			}
			i = next
		case b == '\r':
			s.col, s.wrapNext = 0, false
			i++
		case b == '\n' || b == '\v' || b == '\f':
			s.lineFeed()
			i++
		case b == '\b':
			s.col, s.wrapNext = max(0, s.col-1), false
			i++
		case b == '\t':
			s.col, s.wrapNext = min(s.w-1, (s.col/8+1)*8), false
			i++
		case b < 0x20 || b == 0x7f:
			i++
		default:
			if !utf8.FullRune(out[i:]) {
				return i
			}
			r, n := utf8.DecodeRune(out[i:])
			s.print(r)
			i += n
		}
	}
	return len(out)
}

// escape handles the sequence after ESC at out[i] and returns where the
// next one starts, or -1 if out ends before it does.
func (s *Screen) escape(out []byte, i int) int {
	switch out[i] {
	case '[':
		return s.csi(out, i+1)
	case ']', 'P', '_', '^', 'X': // strings up to BEL or ST
		i++
		for i < len(out) && out[i] != 0x07 && !(out[i] == 0x1b && i+1 < len(out) && out[i+1] == '\\') {
			i++
		}
		switch {
		case i >= len(out) || out[i] == 0x1b && i+1 >= len(out):
			return -1
		case out[i] == 0x07:
			return i + 1
		}
		return i + 2
	case '7':
		s.savedRow, s.savedCol = s.row, s.col
	case '8':
		s.row, s.col = s.savedRow, s.savedCol
		s.clampCursor()
	case 'D':
		s.lineFeed()
	case 'E':
		s.col = 0
		s.lineFeed()
	case 'M':
		s.wrapNext = false
		if s.row == s.top {
			s.scrollDown(s.top, 1)
		} else if s.row > 0 {
			s.row--
		}
	case 'c':
		*s = *NewScreen(s.w, s.h)
	case '(', ')', '*', '+', '#', ' ', '%':
		if i+1 >= len(out) {
			return -1
		}
		return i + 2
	}
	return i + 1
}

func (s *Screen) csi(out []byte, i int) int {
	start := i
	for i < len(out) && out[i] >= 0x30 && out[i] <= 0x3f {
		i++
	}
	params := string(out[start:i])
	inter := i
	for i < len(out) && out[i] >= 0x20 && out[i] <= 0x2f {
		i++
	}
	if i >= len(out) {
		return -1
	}
	final := out[i]
	i++
	if i-1 > inter { // intermediates: requests such as DECRQM; nothing drawn
		return i
	}
	if params != "" && strings.ContainsAny(params[:1], "?<>=") {
		if params[0] == '?' && (final == 'h' || final == 'l') {
			for _, p := range strings.Split(params[1:], ";") {
				switch p {
				case "7":
					s.noWrap = final == 'l'
				case "1049", "47", "1047":
					for r := range s.cells {
						s.cells[r] = s.blankRow()
					}
				}
			}
		}
		return i
	}
	ns := csiParams(params)
	arg := func(k, def int) int { return csiArg(ns, k, def) }
	raw := func(k int) int {
		if k < len(ns) {
			return ns[k]
		}
		return 0
	}
	switch final {
	case 'H', 'f':
		s.row, s.col = arg(0, 1)-1, arg(1, 1)-1
		s.clampCursor()
	case 'A':
		s.row -= arg(0, 1)
		s.clampCursor()
	case 'B':
		s.row += arg(0, 1)
		s.clampCursor()
	case 'C':
		s.col += arg(0, 1)
		s.clampCursor()
	case 'D':
		s.col -= arg(0, 1)
		s.clampCursor()
	case 'E':
		s.row, s.col = s.row+arg(0, 1), 0
		s.clampCursor()
	case 'F':
		s.row, s.col = s.row-arg(0, 1), 0
		s.clampCursor()
	case 'G', '`':
		s.col = arg(0, 1) - 1
		s.clampCursor()
	case 'd':
		s.row = arg(0, 1) - 1
		s.clampCursor()
	case 'b':
		for range arg(0, 1) {
			s.print(s.last)
		}
	case 'X':
		s.erase(s.row, s.col, s.col+arg(0, 1))
	case 'K':
		switch raw(0) {
		case 0:
			s.erase(s.row, s.col, s.w)
		case 1:
			s.erase(s.row, 0, s.col+1)
		case 2:
			s.erase(s.row, 0, s.w)
		}
	case 'J':
		switch raw(0) {
		case 0:
			s.erase(s.row, s.col, s.w)
			for r := s.row + 1; r < s.h; r++ {
				s.cells[r] = s.blankRow()
			}
		case 1:
			s.erase(s.row, 0, s.col+1)
			for r := 0; r < s.row; r++ {
				s.cells[r] = s.blankRow()
			}
		case 2, 3:
			for r := range s.cells {
				s.cells[r] = s.blankRow()
			}
		}
	case 'r':
		top, bot := arg(0, 1)-1, arg(1, s.h)-1
		if top < bot && bot < s.h {
			s.top, s.bot = top, bot
		}
		s.row, s.col, s.wrapNext = 0, 0, false
	case 'S':
		s.scrollUp(s.top, arg(0, 1))
	case 'T':
		s.scrollDown(s.top, arg(0, 1))
	case 'L':
		if s.row >= s.top && s.row <= s.bot {
			s.scrollDown(s.row, arg(0, 1))
		}
	case 'M':
		if s.row >= s.top && s.row <= s.bot {
			s.scrollUp(s.row, arg(0, 1))
		}
	case '@':
		n := min(arg(0, 1), s.w-s.col)
		line := s.cells[s.row]
		copy(line[s.col+n:], line[s.col:])
		s.erase(s.row, s.col, s.col+n)
	case 'P':
		n := min(arg(0, 1), s.w-s.col)
		line := s.cells[s.row]
		copy(line[s.col:], line[s.col+n:])
		s.erase(s.row, s.w-n, s.w)
	case 's':
		s.savedRow, s.savedCol = s.row, s.col
	case 'u':
		s.row, s.col = s.savedRow, s.savedCol
		s.clampCursor()
	}
	return i
}

// csiParams is a CSI sequence's numeric parameters; an empty one is 0.
func csiParams(params string) []int {
	var ns []int
	for _, p := range strings.Split(params, ";") {
		n := 0
		fmt.Sscanf(p, "%d", &n)
		ns = append(ns, n)
	}
	return ns
}

// csiArg is parameter k, or def where it is absent or 0.
func csiArg(ns []int, k, def int) int {
	if k < len(ns) && ns[k] > 0 {
		return ns[k]
	}
	return def
}
