package ssh

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
)

// term is a terminal that understands what the screen writer sends, cell
// by cell with styles and links: enough to check that what a client
// shows is what the program drew.
type term struct {
	t     *testing.T
	buf   *uv.Buffer
	x, y  int
	style uv.Style
	link  uv.Link
}

func newTerm(t *testing.T, w, h int) *term {
	return &term{t: t, buf: uv.NewBuffer(w, h)}
}

func (tm *term) write(out string) {
	tm.t.Helper()
	p := ansi.NewParser()
	var state byte
	for len(out) > 0 {
		seq, width, n, next := ansi.DecodeSequence(out, state, p)
		state, out = next, out[n:]
		switch {
		case width > 0:
			if tm.x < tm.buf.Width() && tm.y < tm.buf.Height() {
				tm.buf.SetCell(tm.x, tm.y, &uv.Cell{Content: seq, Width: width, Style: tm.style, Link: tm.link})
			}
			tm.x += width
		case seq == "\r":
			tm.x = 0
		case seq == "\n":
			tm.y++
		case strings.HasPrefix(seq, "\x1b]8;"):
			tm.link = uv.Link{}
			uv.ReadLink(p.Data(), &tm.link)
		case strings.HasPrefix(seq, "\x1b["):
			params := p.Params()
			arg := func(i, def int) int { v, _, _ := params.Param(i, def); return v }
			switch ansi.Cmd(p.Command()).Final() {
			case 'H':
				tm.y, tm.x = arg(0, 1)-1, arg(1, 1)-1
			case 'G':
				tm.x = arg(0, 1) - 1
			case 'C':
				tm.x += arg(0, 1)
			case 'K':
				for x := tm.x; x < tm.buf.Width(); x++ {
					tm.buf.SetCell(x, tm.y, nil)
				}
			case 'J':
				if arg(0, 0) != 2 {
					tm.t.Fatalf("unexpected erase %q", seq)
				}
				tm.buf.Clear()
			case 'm':
				uv.ReadStyle(params, &tm.style)
			default:
				tm.t.Fatalf("unexpected sequence %q", seq)
			}
		default:
			tm.t.Fatalf("unexpected output %q", seq)
		}
		if tm.x > tm.buf.Width() || tm.y >= tm.buf.Height() || tm.x < 0 || tm.y < 0 {
			tm.t.Fatalf("the cursor left the screen: %d,%d after %q", tm.x, tm.y, seq)
		}
	}
}

// want is the screen a frame should leave.
func want(frame string, w, h int) *uv.Buffer {
	b := uv.NewScreenBuffer(w, h)
	for y, line := range frameLines(frame, h, nil) {
		uv.NewStyledString(line).Draw(b, uv.Rect(0, y, w, 1))
	}
	return b.Buffer
}

func sameCells(t *testing.T, got, want *uv.Buffer, after string) {
	t.Helper()
	for y := range want.Height() {
		for x := range want.Width() {
			g, w := got.CellAt(x, y), want.CellAt(x, y)
			if !g.Equal(w) {
				t.Fatalf("after %s, cell %d,%d is %q %+v, want %q %+v", after, x, y, g.Content, g.Style, w.Content, w.Style)
			}
		}
	}
}

// randomFrame is a frame of styled lines: words in colours, bold and
// reverse, wide characters, links, blank tails; near to prev, as a next
// frame usually is.
func randomFrame(r *rand.Rand, prev []string, w, h int) []string {
	words := []string{"P0", "INC-0042", "00:14:59", "●", "▲", "✖", "漢字", "—", "commander", "ack'd", "🔥", "a", "  ", "x"}
	styles := []string{"", "\x1b[1m", "\x1b[31m", "\x1b[38;2;200;100;50m", "\x1b[7m", "\x1b[2;48;5;236m", "\x1b[4m"}
	lines := make([]string, h)
	for y := range h {
		if prev != nil && r.IntN(4) != 0 {
			lines[y] = prev[y]
			continue
		}
		var b strings.Builder
		for n := r.IntN(12); n > 0; n-- {
			st := styles[r.IntN(len(styles))]
			word := words[r.IntN(len(words))]
			if r.IntN(10) == 0 {
				word = ansi.SetHyperlink("https://example.com/"+word) + word + ansi.ResetHyperlink()
			}
			b.WriteString(st + word + "\x1b[m ")
		}
		lines[y] = b.String()
	}
	return lines
}

// Whatever the frames, the client's screen after each update holds the
// frame's cells, styles and links, in every colour profile.
func TestFrameUpdatesDrawTheFrame(t *testing.T) {
	for _, profile := range []colorprofile.Profile{colorprofile.TrueColor, colorprofile.ANSI256, colorprofile.ANSI, colorprofile.Ascii} {
		t.Run(profile.String(), func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(profile)))
			const w, h = 40, 8
			tm := newTerm(t, w, h)
			fc := newFrameCache()
			var lines []string
			last := ""
			for i := range 400 {
				lines = randomFrame(r, lines, w, h)
				frame := strings.Join(lines, "\n")
				var out bytes.Buffer
				fc.update(&out, frameKey{old: last, next: frame, w: w, h: h, profile: profile, fresh: i == 0})
				tm.write(out.String())
				exp := want(frame, w, h)
				if profile != colorprofile.TrueColor {
					for y := range h {
						for x := range w {
							c := exp.CellAt(x, y)
							c.Style, c.Link = uv.ConvertStyle(c.Style, profile), uv.ConvertLink(c.Link, profile)
						}
					}
				}
				sameCells(t, tm.buf, exp, fmt.Sprintf("frame %d", i))
				if !tm.style.IsZero() || !tm.link.IsZero() {
					t.Fatalf("frame %d left the pen set: %+v %+v", i, tm.style, tm.link)
				}
				last = frame
			}
		})
	}
}

// A countdown turning costs a cursor move and the digits that changed;
// the same update for many screens is worked out once.
func TestFrameUpdateIsSmallAndShared(t *testing.T) {
	row := func(s string) string {
		return "\x1b[1mINC-0042\x1b[m P0 \x1b[38;5;203m● " + s + "\x1b[m \x1b[2mack\x1b[m"
	}
	old := "SITREP\n" + row("00:14:59") + "\n" + row("01:00:00")
	next := "SITREP\n" + row("00:14:58") + "\n" + row("00:59:59")
	fc := newFrameCache()
	var outs [50]bytes.Buffer
	var wg sync.WaitGroup
	for i := range outs {
		wg.Go(func() {
			fc.update(&outs[i], frameKey{old: old, next: next, w: 80, h: 24, profile: colorprofile.ANSI256})
		})
	}
	wg.Wait()
	for i := range outs {
		if outs[i].String() != outs[0].String() {
			t.Fatalf("screen %d got %q, screen 0 %q", i, outs[i].String(), outs[0].String())
		}
	}
	if n := fc.diffs.Len(); n != 1 {
		t.Errorf("%d updates cached, want 1", n)
	}
	got := outs[0].String()
	t.Logf("%d bytes: %q", len(got), got)
	if len(got) > 40 {
		t.Errorf("two turning countdowns took %d bytes: %q", len(got), got)
	}
}
