package ssh

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
)

// screen draws one SSH console's frames. Bubble Tea's own renderer wakes
// every program 60 times a second and, whenever the view has changed,
// parses and compares the whole frame; with hundreds of consoles in one
// process that was most of the server's idle CPU, and a keystroke waited
// for the next wake-up. Here a frame is written when the program's view
// changes, by one goroutine per console, and only the lines that differ
// from the last frame are parsed and compared: a countdown turning costs
// two lines, not the screen. The terminal library's renderer still works
// out the bytes to send, so what reaches the client is the same minimal
// update.
//
// The program's goroutine never writes to the client: show keeps the
// newest view and wakes the writer, so a client that stops reading holds
// up only its own screen, and frames it could not take are skipped.
type screen struct {
	out  io.Writer
	wake chan struct{} // has a frame to write
	quit chan struct{} // stop: write the last frame and restore the terminal
	done chan struct{} // the writer has returned

	mu     sync.Mutex
	view   tea.View     // the newest
	shown  bool         // view holds a frame
	raw    bytes.Buffer // Bubble Tea's own output (its terminal queries), written before the next frame
	w, h   int
	closed bool

	// The writer's own.
	tr     *uv.TerminalRenderer
	buf    uv.ScreenBuffer
	pend   bytes.Buffer // what tr produced, to write
	lines  []string     // the last frame drawn, line by line
	title  string
	failed bool // the client stopped taking output
}

// kittyDisambiguate is the Kitty keyboard flag Bubble Tea asks for by
// default: keys such as ctrl+i and tab, or ctrl+m and enter, arrive apart.
const kittyDisambiguate = 1

// newScreen starts the writer for a w×h terminal using profile's colours
// and enters the alternate screen.
func newScreen(out io.Writer, env []string, profile colorprofile.Profile, w, h int) *screen {
	s := &screen{
		out:  out,
		wake: make(chan struct{}, 1),
		quit: make(chan struct{}),
		done: make(chan struct{}),
		w:    w, h: h,
	}
	s.tr = uv.NewTerminalRenderer(&s.pend, env)
	s.tr.SetColorProfile(profile)
	s.tr.SetTabStops(-1)
	s.tr.SetBackspace(false)
	// No line discipline sits between the server and the client, and a
	// bare line feed does not return the carriage.
	s.tr.SetMapNewline(true)
	// Scrolling by terminal commands saves bytes when a whole list moves,
	// but finding such moves hashes every line of every frame; sitrep's
	// frames change in a few cells a second.
	s.tr.SetScrollOptim(false)
	s.tr.SaveCursor()
	s.tr.SetFullscreen(true)
	s.tr.SetRelativeCursor(false)
	s.tr.Erase()
	s.tr.Resize(w, h)
	s.buf = uv.NewScreenBuffer(w, h)
	go s.run()
	return s
}

// show takes the program's newest view; it never blocks.
func (s *screen) show(v tea.View) {
	s.mu.Lock()
	s.view, s.shown = v, true
	s.mu.Unlock()
	s.poke()
}

// Write takes what Bubble Tea writes to the terminal itself, its queries:
// the SSH channel must have one writer, so they go out from the screen's.
func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	if s.raw.Len()+len(p) > maxRaw {
		s.mu.Unlock()
		return 0, errRawFull
	}
	s.raw.Write(p)
	s.mu.Unlock()
	s.poke()
	return len(p), nil
}

// maxRaw bounds what Bubble Tea may have waiting for a client that is not
// reading: its queries are a few bytes each.
const maxRaw = 64 << 10

var errRawFull = errors.New("the client is not reading its terminal output")

// resize takes the terminal's new (clamped) size; the next frame is drawn
// whole.
func (s *screen) resize(w, h int) {
	s.mu.Lock()
	s.w, s.h = w, h
	s.mu.Unlock()
	s.poke()
}

func (s *screen) poke() {
	select {
	case s.wake <- struct{}{}:
	default: // a frame is pending already; it will take the newest view
	}
}

// stop writes the last frame, restores the client's terminal, and
// reports whether that was written within wait; if not, the client is not
// reading and the writer may still be blocked on the channel, which must
// then not be written to. Only the first call waits.
func (s *screen) stop(wait time.Duration) bool {
	s.mu.Lock()
	again := s.closed
	if !again {
		s.closed = true
		close(s.quit)
	}
	s.mu.Unlock()
	if again {
		select {
		case <-s.done:
			return true
		default:
			return false
		}
	}
	select {
	case <-s.done:
		return true
	case <-time.After(wait):
		return false
	}
}

func (s *screen) run() {
	defer close(s.done)
	s.pend.WriteString(ansi.SetModeAltScreenSaveCursor + ansi.ResetModeTextCursorEnable + ansi.SetModeBracketedPaste +
		ansi.SetModifyOtherKeys2 + ansi.PushKittyKeyboard(kittyDisambiguate) + ansi.RequestKittyKeyboard +
		// The console asks too, but Bubble Tea sends its queries only at
		// its once-a-second tick; a light terminal should not wait.
		ansi.RequestBackgroundColor)
	s.send()
	for {
		select {
		case <-s.wake:
			s.frame()
		case <-s.quit:
			s.frame()
			s.restore()
			return
		}
	}
}

// frame draws the newest view: the lines that changed since the last
// frame, or all of them after a resize.
func (s *screen) frame() {
	s.mu.Lock()
	v, shown, w, h := s.view, s.shown, s.w, s.h
	s.pend.Write(s.raw.Bytes())
	s.raw.Reset()
	s.mu.Unlock()
	if !shown || s.failed {
		s.send()
		return
	}
	if w != s.buf.Width() || h != s.buf.Height() {
		s.buf.Resize(w, h)
		s.tr.Resize(w, h)
		s.tr.Erase()
		s.lines = nil
	}
	if v.WindowTitle != s.title {
		s.title = v.WindowTitle
		s.tr.WriteString(ansi.SetWindowTitle(v.WindowTitle))
	}
	content := strings.ReplaceAll(v.Content, "\r\n", "\n")
	next := make([]string, 0, h)
	for line := range strings.Lines(content) {
		if len(next) == h {
			break
		}
		next = append(next, strings.TrimSuffix(line, "\n"))
	}
	for y := range h {
		var line string
		if y < len(next) {
			line = next[y]
		}
		if y < len(s.lines) && s.lines[y] == line {
			continue
		}
		uv.NewStyledString(line).Draw(s.buf, uv.Rect(0, y, w, 1))
	}
	s.lines = next
	s.tr.Render(s.buf.RenderBuffer)
	s.tr.Flush()
	s.send()
}

// restore leaves the client's terminal as it was: main screen, cursor
// shown, keyboard and paste modes off, title cleared.
func (s *screen) restore() {
	s.tr.MoveTo(0, s.buf.Height()-1)
	s.tr.Flush()
	s.pend.WriteString(ansi.ResetModifyOtherKeys + ansi.PopKittyKeyboard(1) + ansi.ResetModeAltScreenSaveCursor +
		ansi.SetModeTextCursorEnable + ansi.ResetModeBracketedPaste)
	if s.title != "" {
		s.pend.WriteString(ansi.SetWindowTitle(""))
	}
	s.send()
}

// send writes what is pending; once a write fails, nothing more is sent.
func (s *screen) send() {
	if s.pend.Len() > 0 && !s.failed {
		if _, err := s.out.Write(s.pend.Bytes()); err != nil {
			s.failed = true
		}
	}
	s.pend.Reset()
}

// drawn is a console's program as Bubble Tea runs it for an SSH session:
// every view it makes goes to the session's screen, and every size it is
// told sizes that screen.
type drawn struct {
	tea.Model
	scr *screen
}

func (d drawn) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if m, ok := msg.(tea.WindowSizeMsg); ok {
		d.scr.resize(m.Width, m.Height)
	}
	var cmd tea.Cmd
	d.Model, cmd = d.Model.Update(msg)
	return d, cmd
}

func (d drawn) View() tea.View {
	v := d.Model.View()
	d.scr.show(v)
	return v
}
