package ssh

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	cssh "charm.land/ssh"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"sitrep/ssh/sshtest"
)

// channelWriter stands in for an SSH channel: it records what is written
// and notes when two goroutines write at once, which x/crypto/ssh's
// channel does not allow. The screen writes to it through the session's
// PTY writer, as it does to a real session.
type channelWriter struct {
	in      atomic.Int32
	overlap atomic.Bool
	mu      sync.Mutex
	b       bytes.Buffer
}

func (w *channelWriter) Write(p []byte) (int, error) {
	if w.in.Add(1) > 1 {
		w.overlap.Store(true)
	}
	defer w.in.Add(-1)
	time.Sleep(20 * time.Microsecond) // widen the window for an overlap
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *channelWriter) bytes() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return bytes.Clone(w.b.Bytes())
}

// Frames from the program and Bubble Tea's own output (its terminal
// queries), arriving from different goroutines, reach the channel from
// one writer, every query intact and the newest frame last.
func TestScreenIsTheChannelsOnlyWriter(t *testing.T) {
	out := &channelWriter{}
	scr := newScreen(cssh.NewPtyWriter(out), nil, colorprofile.TrueColor, 40, 5)
	const n = 300
	var wg sync.WaitGroup
	wg.Go(func() {
		for range n {
			if _, err := scr.Write([]byte(ansi.RequestBackgroundColor)); err != nil {
				t.Error(err)
				return
			}
		}
	})
	wg.Go(func() {
		for i := range n {
			scr.show(tea.NewView(fmt.Sprintf("frame %03d", i)))
		}
	})
	wg.Wait()
	if !scr.stop(5 * time.Second) {
		t.Fatal("the screen did not stop within 5s")
	}
	if out.overlap.Load() {
		t.Error("two goroutines wrote to the channel at once")
	}
	got := out.bytes()
	if q := bytes.Count(got, []byte(ansi.RequestBackgroundColor)); q != n+1 { // and the screen's own
		t.Errorf("%d background colour queries reached the channel, want %d", q, n+1)
	}
	// The alternate screen as it was when the console ended, then the
	// terminal restored.
	end := bytes.LastIndex(got, []byte(ansi.ResetModeAltScreenSaveCursor))
	if end < 0 {
		t.Fatalf("the alternate screen was not left at the end: %q", got[max(0, len(got)-80):])
	}
	if scr := sshtest.Render(got[:end], 40, 5); !strings.Contains(scr, fmt.Sprintf("frame %03d", n-1)) {
		t.Errorf("the last frame is not on the screen:\n%s", scr)
	}
	if !bytes.Contains(got[end:], []byte(ansi.SetModeTextCursorEnable)) {
		t.Errorf("the cursor was not shown again at the end: %q", got[end:])
	}
}

// A frame that differs from the last in one cell sends a few bytes, not
// the screen; one that does not differ sends nothing.
func TestScreenSendsOnlyWhatChanged(t *testing.T) {
	out := &channelWriter{}
	scr := newScreen(cssh.NewPtyWriter(out), nil, colorprofile.TrueColor, 80, 24)
	defer scr.stop(5 * time.Second)
	var lines []string
	for i := range 24 {
		lines = append(lines, fmt.Sprintf("\x1b[1mrow %02d\x1b[0m %s", i, strings.Repeat("·", 60)))
	}
	settle := settler(t, scr, out)
	scr.show(tea.NewView(strings.Join(lines, "\n")))
	full := settle()
	lines[7] = strings.Replace(lines[7], "·", "x", 1)
	scr.show(tea.NewView(strings.Join(lines, "\n")))
	one := settle() - full
	scr.show(tea.NewView(strings.Join(lines, "\n")))
	same := settle() - full - one
	t.Logf("first frame %d bytes, one cell changed %d bytes, unchanged %d bytes", full, one, same)
	if one == 0 || one > 20 {
		t.Errorf("one changed cell sent %d bytes; want a cursor move and a character", one)
	}
	if same != 0 {
		t.Errorf("an unchanged frame sent %d bytes", same)
	}
	if s := sshtest.Render(out.bytes(), 80, 24); !strings.Contains(s, "row 07 x··") {
		t.Errorf("the change is not on the screen:\n%s", s)
	}
}

// settler returns a function that waits until the frames shown so far are
// written. A fence goes out through the screen's writer after the view
// shown: once it has been written, so has every frame before it. It
// returns the bytes written, fences left out.
func settler(t *testing.T, scr *screen, out *channelWriter) func() int {
	const fence = "\x1b[5n"
	fences := 0
	return func() int {
		t.Helper()
		fences++
		if _, err := scr.Write([]byte(fence)); err != nil {
			t.Fatal(err)
		}
		if !eventually(5*time.Second, func() bool { return bytes.Count(out.bytes(), []byte(fence)) == fences }) {
			t.Fatal("the screen did not write what it was shown")
		}
		return len(out.bytes()) - fences*len(fence)
	}
}

// A window change redraws the screen whole, even to the size it was: the
// terminal was resized and back (its sizes between never reached the
// program) and has cut what it showed.
func TestScreenRedrawsWholeAfterAWindowChange(t *testing.T) {
	out := &channelWriter{}
	scr := newScreen(cssh.NewPtyWriter(out), nil, colorprofile.TrueColor, 40, 5)
	defer scr.stop(5 * time.Second)
	settle := settler(t, scr, out)
	view := tea.NewView("row 0\nrow 1\nrow 2\nrow 3\nthe footer, far to the right")
	scr.show(view)
	first := settle()
	scr.resize(40, 5)
	scr.show(view)
	again := settle() - first
	got := out.bytes()
	if n := bytes.Count(got, []byte(ansi.EraseEntireScreen)); n != 2 {
		t.Errorf("the screen was cleared %d times; want 2, at the start and after the window change", n)
	}
	if again < first/2 {
		t.Errorf("after a window change to the same size %d bytes were sent; the first frame took %d", again, first)
	}
	if s := sshtest.Render(got[bytes.LastIndex(got, []byte(ansi.EraseEntireScreen)):], 40, 5); !strings.Contains(s, "the footer, far to the right") {
		t.Errorf("the redrawn screen lacks the footer:\n%s", s)
	}
}
