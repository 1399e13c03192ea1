package ui

import (
	"strings"
	"unicode/utf8"
)

// fontFace is one size of the wallboard's countdown digits: every glyph is
// w cells wide and h lines tall, so a countdown keeps its width as it ticks
// and a layout can be planned from the number of characters alone.
type fontFace struct {
	name   string
	w, h   int // cells per glyph
	gap    int // blank cells between glyphs
	glyphs map[rune][]string
}

// The faces are drawn from two pixel fonts: a 3×5 one for small screens
// and a 5×7 one for large. "#" is ink.
var (
	fontPixels3x5 = map[rune][]string{
		'0': {"###", "#.#", "#.#", "#.#", "###"},
		'1': {".#.", "##.", ".#.", ".#.", "###"},
		'2': {"###", "..#", "###", "#..", "###"},
		'3': {"###", "..#", "###", "..#", "###"},
		'4': {"#.#", "#.#", "###", "..#", "..#"},
		'5': {"###", "#..", "###", "..#", "###"},
		'6': {"###", "#..", "###", "#.#", "###"},
		'7': {"###", "..#", "..#", "..#", "..#"},
		'8': {"###", "#.#", "###", "#.#", "###"},
		'9': {"###", "#.#", "###", "..#", "###"},
		':': {"...", ".#.", "...", ".#.", "..."},
		'+': {"...", ".#.", "###", ".#.", "..."},
		'-': {"...", "...", "###", "...", "..."},
		' ': {"...", "...", "...", "...", "..."},
	}
	fontPixels5x7 = map[rune][]string{
		'0': {".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."},
		'1': {"..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."},
		'2': {".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"},
		'3': {".###.", "#...#", "....#", "..##.", "....#", "#...#", ".###."},
		'4': {"...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."},
		'5': {"#####", "#....", "####.", "....#", "....#", "#...#", ".###."},
		'6': {"..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."},
		'7': {"#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."},
		'8': {".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."},
		'9': {".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."},
		':': {".....", ".....", "..#..", ".....", "..#..", ".....", "....."},
		'+': {".....", "..#..", "..#..", "#####", "..#..", "..#..", "....."},
		'-': {".....", ".....", ".....", "#####", ".....", ".....", "....."},
		' ': {".....", ".....", ".....", ".....", ".....", ".....", "....."},
	}
)

// fontFaces are the sizes, smallest first. They are built once and never
// written, so every wallboard of the process shares them. A cell is about
// twice as tall as it is wide, so a pixel two cells across and one line
// (two half blocks) down is square.
var fontFaces = []*fontFace{
	fontDraw("tiny", fontPixels3x5, 1, 1, 1),   // 3×3
	fontDraw("small", fontPixels5x7, 1, 1, 1),  // 5×4
	fontDraw("medium", fontPixels3x5, 2, 2, 2), // 6×5
	fontDraw("large", fontPixels5x7, 2, 2, 2),  // 10×7
	fontDraw("tall", fontPixels5x7, 2, 3, 2),   // 10×11
	fontDraw("huge", fontPixels5x7, 4, 4, 4),   // 20×14
}

// fontDraw draws a pixel font with block characters, each pixel sx cells
// across and hy half lines down.
func fontDraw(name string, px map[rune][]string, sx, hy, gap int) *fontFace {
	f := &fontFace{name: name, gap: gap, glyphs: make(map[rune][]string, len(px))}
	for r, rows := range px {
		// ink[y][x]: the glyph in half lines and cells.
		var ink [][]bool
		for _, row := range rows {
			line := make([]bool, 0, len(row)*sx)
			for x := range len(row) {
				for range sx {
					line = append(line, row[x] == '#')
				}
			}
			for range hy {
				ink = append(ink, line)
			}
		}
		f.w = len(ink[0])
		lines := make([]string, 0, (len(ink)+1)/2)
		for y := 0; y < len(ink); y += 2 {
			var b strings.Builder
			for x := range f.w {
				top := ink[y][x]
				bottom := y+1 < len(ink) && ink[y+1][x]
				switch {
				case top && bottom:
					b.WriteString("█")
				case top:
					b.WriteString("▀")
				case bottom:
					b.WriteString("▄")
				default:
					b.WriteByte(' ')
				}
			}
			lines = append(lines, b.String())
		}
		f.h = len(lines)
		f.glyphs[r] = lines
	}
	return f
}

// Width is how many cells s takes in this face.
func (f *fontFace) Width(s string) int {
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return 0
	}
	return n*f.w + (n-1)*f.gap
}

// Render draws s as f.h lines of f.Width(s) cells. Characters the font
// lacks are drawn blank.
func (f *fontFace) Render(s string) []string {
	lines := make([]string, f.h)
	if s == "" {
		return lines
	}
	gap := strings.Repeat(" ", f.gap)
	space := f.glyphs[' ']
	var b strings.Builder
	for y := range f.h {
		b.Reset()
		b.Grow(f.Width(s) * 3)
		first := true
		for _, r := range s {
			if !first {
				b.WriteString(gap)
			}
			first = false
			g, ok := f.glyphs[r]
			if !ok {
				g = space
			}
			b.WriteString(g[y])
		}
		lines[y] = b.String()
	}
	return lines
}

// fontFit is the largest face, no larger than the one at index limit,
// in which s fits within width cells; nil when none does.
func fontFit(s string, width, limit int) *fontFace {
	for i := min(limit, len(fontFaces)-1); i >= 0; i-- {
		if fontFaces[i].Width(s) <= width {
			return fontFaces[i]
		}
	}
	return nil
}
