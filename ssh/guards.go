package ssh

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// countedConn gives its slot back when closed, once.
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
	closed  atomic.Bool
}

func (c *countedConn) Close() error {
	c.closed.Store(true)
	c.once.Do(c.release)
	return c.Conn.Close()
}

// loginWindow is how long a recorded login covers the same user's later
// sessions from the same address: one login event per user and address
// within it, so a viewer opening sessions in a loop cannot flood the log
// (each write wakes every board).
const loginWindow = 10 * time.Second

// idleInput records when the client last typed; the server's own redraws
// do not count, so a dashboard left open does time out. It also caps each
// bracketed paste at MaxPaste bytes: the terminal decoder holds a paste
// whole until it ends, so an endless one would grow without limit. What
// is dropped does not count as typing.
type idleInput struct {
	r     interface{ Read([]byte) (int, error) }
	last  atomic.Int64 // unix nanoseconds
	onErr func()       // the input ended: the client closed the session

	paste   pasteCap
	pending []byte // filtered input not yet handed out
}

// MaxPaste is the most of one bracketed paste a console takes: four times
// the longest text any field holds.
const MaxPaste = 64 << 10

func (i *idleInput) Read(p []byte) (int, error) {
	for len(i.pending) == 0 && len(p) > 0 {
		n, err := i.r.Read(p)
		if n > 0 {
			i.pending = i.paste.filter(i.pending[:0], p[:n])
			if len(i.pending) > 0 {
				i.last.Store(time.Now().UnixNano())
			}
		}
		if err != nil {
			if i.onErr != nil {
				i.onErr()
			}
			if len(i.pending) == 0 {
				return 0, err
			}
		}
	}
	n := copy(p, i.pending)
	i.pending = i.pending[n:]
	return n, nil
}

var (
	pasteStart = []byte("\x1b[200~")
	pasteEnd   = []byte("\x1b[201~")
)

// pasteCap passes input through, dropping what a bracketed paste holds
// past MaxPaste bytes. Outside a paste nothing is held back (a lone ESC
// key must arrive at once); inside one, a partial end marker is held
// until the next bytes say whether it is one.
type pasteCap struct {
	inPaste bool
	match   int // bytes of the marker being looked for matched so far
	n       int // bytes of this paste passed on
}

func (c *pasteCap) filter(dst, src []byte) []byte {
	for _, b := range src {
		if !c.inPaste {
			dst = append(dst, b)
			c.match = next(pasteStart, c.match, b)
			if c.match == len(pasteStart) {
				c.inPaste, c.match, c.n = true, 0, 0
			}
			continue
		}
		if b == pasteEnd[c.match] {
			if c.match++; c.match == len(pasteEnd) {
				dst = append(dst, pasteEnd...)
				c.inPaste, c.match = false, 0
			}
			continue // held: it may be the end marker
		}
		// The held bytes were content after all; b may start a new match.
		dst = c.content(dst, pasteEnd[:c.match])
		c.match = 0
		if b == pasteEnd[0] {
			c.match = 1
			continue
		}
		if c.n < MaxPaste {
			dst = append(dst, b)
		}
		c.n++
	}
	return dst
}

func (c *pasteCap) content(dst, b []byte) []byte {
	keep := max(0, min(len(b), MaxPaste-c.n))
	c.n += len(b)
	return append(dst, b[:keep]...)
}

// next is how much of marker is matched after b, given matched bytes of
// it before. The markers begin with ESC and hold no other ESC, so a
// mismatch restarts at b alone.
func next(marker []byte, matched int, b byte) int {
	if b == marker[matched] {
		return matched + 1
	}
	if b == marker[0] {
		return 1
	}
	return 0
}

func (i *idleInput) idleFor(now time.Time) time.Duration {
	return now.Sub(time.Unix(0, i.last.Load()))
}
