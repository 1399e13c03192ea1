package ssh

import (
	"bytes"
	"context"
	"io"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
)

// keyboard turns what an SSH console's client types into Bubble Tea's
// events. Bubble Tea's own reader builds a table of legacy key sequences
// for every program it runs (≈ 78 KiB, and a fifth of the CPU that opening
// a console costs; with a thousand consoles, the largest thing the
// collector has to mark). The client's terminal is told what to send
// (screen.go asks for xterm's modified keys and Kitty's keyboard
// protocol), and the decoder understands those without a table: this
// reader is the terminal library's scanner without the table, and
// without the Windows console's input modes an SSH client never uses.
type keyboard struct {
	dec   uv.EventDecoder
	paste []byte // text of a bracketed paste under way; nil: none
}

// escTimeout is how long a lone escape waits for the rest of a sequence
// before it is the escape key.
const escTimeout = uv.DefaultEscTimeout

// maxPending bounds a sequence that never ends: past it, what is pending
// is taken as it is. Pastes are bounded before this (idleInput).
const maxPending = 4096

// run reads r until it fails or ctx ends, sending each event.
func (k *keyboard) run(ctx context.Context, r io.Reader, send func(tea.Msg)) {
	reads := make(chan []byte)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1024)
		for {
			n, err := r.Read(buf)
			if n > 0 {
				select {
				case reads <- bytes.Clone(buf[:n]):
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	timer := time.NewTimer(escTimeout)
	timer.Stop()
	defer timer.Stop()
	var pend []byte
	scan := func(expired bool) {
		n := k.scan(pend, expired, send)
		pend = append(pend[:0], pend[n:]...)
		timer.Stop()
		if len(pend) > 0 {
			timer.Reset(escTimeout)
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-done:
			scan(true)
			return
		case b := <-reads:
			pend = append(pend, b...)
			scan(len(pend) > maxPending)
		case <-timer.C:
			scan(true)
		}
	}
}

// scan sends the events at the start of buf and returns how many bytes
// they took; the rest waits for more input, unless expired.
func (k *keyboard) scan(buf []byte, expired bool, send func(tea.Msg)) int {
	total := 0
	for len(buf) > 0 {
		esc := buf[0] == ansi.ESC
		n, ev := k.dec.Decode(buf)
		if n <= 0 {
			break
		}
		if k.paste != nil {
			if _, end := ev.(uv.PasteEndEvent); !end {
				switch ev := ev.(type) {
				case uv.KeyPressEvent:
					if len(ev.Text) > 0 {
						k.paste = append(k.paste, ev.Text...)
					} else {
						if esc && n <= 2 && !expired {
							return total
						}
						k.paste = append(k.paste, buf[:n]...)
					}
				case uv.UnknownEvent:
					if !expired {
						return total
					}
				}
				buf, total = buf[n:], total+n
				continue
			}
		}
		switch ev.(type) {
		case uv.UnknownEvent:
			if !expired {
				return total
			}
			ev = nil
		case uv.PasteStartEvent:
			k.paste = []byte{}
		case uv.PasteEndEvent:
			deliver(uv.PasteEvent{Content: validRunes(k.paste)}, send)
			k.paste = nil
		}
		if ev != nil {
			if esc && n <= 2 && !expired {
				return total // an escape, or the start of a sequence
			}
			deliver(ev, send)
		}
		buf, total = buf[n:], total+n
	}
	return total
}

// deliver sends the events Bubble Tea knows; anything else the decoder
// found (replies no one asked for, sequences it ignores) is dropped.
func deliver(ev uv.Event, send func(tea.Msg)) {
	switch ev := ev.(type) {
	case uv.MultiEvent:
		for _, e := range ev {
			deliver(e, send)
		}
	case uv.KeyPressEvent, uv.KeyReleaseEvent, uv.PasteEvent, uv.PasteStartEvent, uv.PasteEndEvent,
		uv.BackgroundColorEvent, uv.ForegroundColorEvent, uv.CursorColorEvent, uv.CursorPositionEvent,
		uv.FocusEvent, uv.BlurEvent, uv.MouseClickEvent, uv.MouseMotionEvent, uv.MouseReleaseEvent, uv.MouseWheelEvent,
		uv.KeyboardEnhancementsEvent, uv.ModeReportEvent, uv.CapabilityEvent, uv.TerminalVersionEvent, uv.ClipboardEvent:
		send(ev)
	}
}

// validRunes is b's text with invalid UTF-8 left out, as a paste is
// given to the program.
func validRunes(b []byte) string {
	var s []rune
	for len(b) > 0 {
		r, w := utf8.DecodeRune(b)
		if r != utf8.RuneError {
			s = append(s, r)
		}
		b = b[w:]
	}
	return string(s)
}
