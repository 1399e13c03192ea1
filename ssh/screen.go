package ssh

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
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

	mu      sync.Mutex
	view    tea.View     // the newest
	shown   bool         // view holds a frame
	raw     bytes.Buffer // Bubble Tea's own output (its terminal queries), written before the next frame
	w, h    int
	resized bool // the client's window changed: draw whole
	closed  bool

	// The writer's own.
	frames  *frameCache // shared by the process's screens
	profile colorprofile.Profile
	pend    bytes.Buffer // what to write
	last    string       // the last frame drawn, as the program drew it
	lw, lh  int          // its size
	fresh   bool         // the client's screen is blank, or unknown: draw whole
	title   string
	failed  bool // the client stopped taking output
}

// kittyDisambiguate is the Kitty keyboard flag Bubble Tea asks for by
// default: keys such as ctrl+i and tab, or ctrl+m and enter, arrive apart.
const kittyDisambiguate = 1

// newScreen starts the writer for a w×h terminal using profile's colours
// and enters the alternate screen. Screens of one process share frames
// (nil: a cache of its own).
func newScreen(out io.Writer, frames *frameCache, profile colorprofile.Profile, w, h int) *screen {
	if frames == nil {
		frames = newFrameCache()
	}
	s := &screen{
		out:     out,
		wake:    make(chan struct{}, 1),
		quit:    make(chan struct{}),
		done:    make(chan struct{}),
		w:       w,
		h:       h,
		frames:  frames,
		profile: profile,
		fresh:   true,
	}
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
// whole, even at the size it had: a terminal resized and back (a pane
// zoomed and unzoomed) has cut or reflowed what it showed, and the sizes
// between may never reach the program.
func (s *screen) resize(w, h int) {
	s.mu.Lock()
	s.w, s.h, s.resized = w, h, true
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

// frame draws the newest view: the cells that changed since the last
// frame, or all of them after a resize.
func (s *screen) frame() {
	s.mu.Lock()
	v, shown, w, h, resized := s.view, s.shown, s.w, s.h, s.resized
	if shown {
		s.resized = false
	}
	s.pend.Write(s.raw.Bytes())
	s.raw.Reset()
	s.mu.Unlock()
	if !shown || s.failed {
		s.send()
		return
	}
	if w != s.lw || h != s.lh || resized {
		s.lw, s.lh, s.fresh = w, h, true
	}
	if v.WindowTitle != s.title {
		s.title = v.WindowTitle
		s.pend.WriteString(ansi.SetWindowTitle(v.WindowTitle))
	}
	if s.fresh || v.Content != s.last {
		s.frames.update(&s.pend, frameKey{old: s.last, next: v.Content, w: w, h: h, profile: s.profile, fresh: s.fresh})
		s.last, s.fresh = v.Content, false
	}
	s.send()
}

// restore leaves the client's terminal as it was: main screen, cursor
// shown, keyboard and paste modes off, title cleared.
func (s *screen) restore() {
	s.pend.WriteString(ansi.ResetStyle + ansi.CursorPosition(1, max(1, s.lh)))
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
