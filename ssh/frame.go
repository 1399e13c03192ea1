package ssh

import (
	"bytes"
	"strconv"
	"strings"
	"sync"

	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"

	"sitrep/ui"
)

// A console's screen keeps its last frame as the text the program drew,
// not as cells: the cells of an 80×24 terminal cost about 0.2 MiB each
// time they are held, and the terminal library's renderer holds two
// screens of them per console. When a frame comes, only the lines whose
// text changed are parsed into cells, old and new side by side, one line
// at a time, and the cells that differ are sent.
//
// The bytes that turn one frame into the next depend on nothing but the
// two frames, the size and the colour profile: every update starts with
// the cursor somewhere unknown and ends with the pen reset. So the
// consoles of a process that show the same board share them: a countdown
// turning on five hundred screens is worked out once (frameCache).

// frameKey names one update: from old to next on a w×h screen (fresh:
// the screen was cleared, or holds something unknown).
type frameKey struct {
	old, next string
	w, h      int
	profile   colorprofile.Profile
	fresh     bool
}

// frameCache is the process's updates, worked out once for every screen
// that makes the same one.
type frameCache struct {
	diffs *ui.Memo[frameKey, string]
	lines sync.Pool // *lineScratch
}

// frameCacheSize is how many updates a generation holds: enough for
// every distinct screen of a busy process in one second (a size, a page
// and a role make one), few enough to stay small.
const frameCacheSize = 256

func newFrameCache() *frameCache {
	return &frameCache{diffs: ui.NewMemo[frameKey, string](frameCacheSize)}
}

// update appends to dst the bytes that turn k.old into k.next, working
// them out only if no other screen has.
func (c *frameCache) update(dst *bytes.Buffer, k frameKey) {
	dst.WriteString(c.diffs.Get(k, func() string {
		var b bytes.Buffer
		sc, _ := c.lines.Get().(*lineScratch)
		if sc == nil {
			sc = &lineScratch{}
		}
		encodeFrame(&b, k, sc)
		c.lines.Put(sc)
		return b.String()
	}))
}

// lineScratch is where two lines are parsed into cells to compare them.
type lineScratch struct {
	a, b lineBuf
}

func (sc *lineScratch) size(w int) {
	if len(sc.a) != w {
		sc.a, sc.b = lineBuf(uv.NewLine(w)), lineBuf(uv.NewLine(w))
	}
}

// lineBuf is one line of cells that styled text can be drawn into: the
// terminal library's screen buffers also track which cells changed, work
// this does not need (it was half the cost of parsing a line).
type lineBuf uv.Line

func (l lineBuf) Bounds() uv.Rectangle { return uv.Rect(0, 0, len(l), 1) }

func (l lineBuf) CellAt(x, y int) *uv.Cell {
	if y != 0 {
		return nil
	}
	return uv.Line(l).At(x)
}

func (l lineBuf) SetCell(x, y int, c *uv.Cell) {
	if y == 0 {
		uv.Line(l).Set(x, c)
	}
}

func (lineBuf) WidthMethod() uv.WidthMethod { return ansi.WcWidth }

// frameLines splits a frame into at most h lines, "\r\n" read as "\n".
func frameLines(content string, h int, into []string) []string {
	into = into[:0]
	for line := range strings.Lines(content) {
		if len(into) == h {
			break
		}
		line = strings.TrimSuffix(line, "\n")
		into = append(into, strings.TrimSuffix(line, "\r"))
	}
	return into
}

// pen is what the terminal is drawing with, and where its cursor is (x
// < 0: unknown).
type pen struct {
	style uv.Style
	link  uv.Link
	x, y  int
}

// encodeFrame writes the update k: each line whose cells differ, from its
// first differing cell to its last.
func encodeFrame(b *bytes.Buffer, k frameKey, sc *lineScratch) {
	sc.size(k.w)
	p := pen{x: -1}
	if k.fresh {
		b.WriteString(ansi.CursorHomePosition + ansi.EraseEntireScreen)
	}
	var oldBuf, nextBuf [64]string
	old := frameLines(k.old, k.h, oldBuf[:0])
	if k.fresh {
		old = old[:0]
	}
	next := frameLines(k.next, k.h, nextBuf[:0])
	for y := range k.h {
		var o, n string
		if y < len(old) {
			o = old[y]
		}
		if y < len(next) {
			n = next[y]
		}
		if o == n {
			continue
		}
		parseLine(sc.a, o)
		parseLine(sc.b, n)
		encodeLine(b, &p, k.profile, y, uv.Line(sc.a), uv.Line(sc.b))
	}
	if !p.link.IsZero() {
		b.WriteString(ansi.ResetHyperlink())
	}
	if !p.style.IsZero() {
		b.WriteString(ansi.ResetStyle)
	}
}

// parseLine draws one line of styled text into a one-line buffer.
func parseLine(buf lineBuf, s string) {
	uv.NewStyledString(s).Draw(buf, buf.Bounds())
}

// encodeLine writes what turns line a into line b on row y, in the
// client's colour profile. Cells are compared as drawn, and converted
// only when written: converting a colour to a palette is a search.
func encodeLine(b *bytes.Buffer, p *pen, profile colorprofile.Profile, y int, a, n uv.Line) {
	w := len(n)
	x0 := 0
	for x0 < w && a[x0].Equal(&n[x0]) {
		x0++
	}
	if x0 == w {
		return // the same cells, written differently
	}
	for x0 > 0 && n[x0].Width == 0 { // onto the start of a wide character
		x0--
	}
	x1 := w - 1
	for x1 > x0 && a[x1].Equal(&n[x1]) {
		x1--
	}
	// Blanks to the end of the line are erased rather than written, when
	// that is shorter.
	end := w
	for end > x0 && blank(&n[end-1]) {
		end--
	}
	erase := x1 >= end && x1-end+1 > len(ansi.EraseLineRight)
	if erase {
		x1 = end - 1
	}
	moveTo(b, p, x0, y)
	for x := x0; x <= x1; x++ {
		c := &n[x]
		if c.Width == 0 {
			continue // the second half of a wide character
		}
		link, style := c.Link, c.Style
		if profile != colorprofile.TrueColor {
			link, style = uv.ConvertLink(link, profile), uv.ConvertStyle(style, profile)
		}
		if !link.Equal(&p.link) {
			if link.IsZero() {
				b.WriteString(ansi.ResetHyperlink())
			} else {
				b.WriteString(ansi.SetHyperlink(link.URL, link.Params))
			}
			p.link = link
		}
		if !style.Equal(&p.style) {
			b.WriteString(uv.StyleDiff(&p.style, &style))
			p.style = style
		}
		b.WriteString(c.Content)
		p.x += c.Width
	}
	if erase {
		if !p.style.IsZero() { // erasing paints with the pen's background
			b.WriteString(ansi.ResetStyle)
			p.style = uv.Style{}
		}
		b.WriteString(ansi.EraseLineRight)
	}
	if p.x >= w {
		// The cursor waits at the margin, or has wrapped: where depends
		// on the terminal.
		p.x = -1
	}
}

// blank is a cell that erasing leaves.
func blank(c *uv.Cell) bool {
	return c.Content == " " && c.Width == 1 && c.Style.IsZero() && c.Link.IsZero()
}

// moveTo moves the cursor to column x of row y, by the shortest
// sequence that does not depend on what is on the screen.
func moveTo(b *bytes.Buffer, p *pen, x, y int) {
	if p.x == x && p.y == y {
		return
	}
	var seq [16]byte
	best := append(seq[:0], "\x1b["...)
	best = strconv.AppendInt(best, int64(y+1), 10)
	if x > 0 {
		best = append(best, ';')
		best = strconv.AppendInt(best, int64(x+1), 10)
	}
	best = append(best, 'H')
	if p.x >= 0 && p.y == y {
		var alt [16]byte
		s := append(alt[:0], "\x1b["...)
		switch {
		case x == 0:
			s = append(alt[:0], '\r')
		case x > p.x:
			if d := x - p.x; d > 1 {
				s = strconv.AppendInt(s, int64(d), 10)
			}
			s = append(s, 'C')
		default:
			s = strconv.AppendInt(s, int64(x+1), 10)
			s = append(s, 'G')
		}
		if len(s) < len(best) {
			best = s
		}
	} else if p.x >= 0 && y == p.y+1 && x == 0 {
		best = append(seq[:0], "\r\n"...)
	}
	b.Write(best)
	p.x, p.y = x, y
}
