package ssh

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// ipLimiter admits new connections per remote IP at a steady rate with a
// burst, so one address cannot exhaust the server.
type ipLimiter struct {
	mu    sync.Mutex
	every rate.Limit
	burst int
	m     map[string]*ipEntry
	swept time.Time
}

type ipEntry struct {
	lim  *rate.Limiter
	seen time.Time
}

func newIPLimiter(perSecond float64, burst int) *ipLimiter {
	return &ipLimiter{every: rate.Limit(perSecond), burst: burst, m: map[string]*ipEntry{}}
}

func (l *ipLimiter) allow(ip string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for k, e := range l.m {
			if now.Sub(e.seen) > time.Minute {
				delete(l.m, k)
			}
		}
		l.swept = now
	}
	e := l.m[ip]
	if e == nil {
		e = &ipEntry{lim: rate.NewLimiter(l.every, l.burst)}
		l.m[ip] = e
	}
	e.seen = now
	return e.lim.AllowN(now, 1)
}

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

// auditLimiter bounds how many refused keys are written to the audit log:
// each key and address once a minute, and at most a few per second from
// each address, so a flood of bad keys cannot fill the database, and
// one address's flood does not hide another's refusals. A generous
// limit in all bounds many addresses together.
type auditLimiter struct {
	mu     sync.Mutex
	seen   map[string]time.Time
	perIP  *ipLimiter
	all    *rate.Limiter
	window time.Duration
}

func newAuditLimiter() *auditLimiter {
	return &auditLimiter{seen: map[string]time.Time{}, perIP: newIPLimiter(5, 20), all: rate.NewLimiter(50, 200), window: time.Minute}
}

func (a *auditLimiter) allow(ip, key string, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.due(key, now) {
		return false
	}
	if !a.perIP.allow(ip, now) || !a.all.AllowN(now, 1) {
		return false
	}
	a.seen[key] = now
	return true
}

// due reports whether key has not been recorded within the window.
func (a *auditLimiter) due(key string, now time.Time) bool {
	if t, ok := a.seen[key]; ok && now.Sub(t) < a.window {
		return false
	}
	if len(a.seen) > 10000 {
		for k, t := range a.seen {
			if now.Sub(t) >= a.window {
				delete(a.seen, k)
			}
		}
	}
	return true
}

// loginLimiter bounds accepted logins written to the audit log: one
// `login` event per user and address within loginWindow. Sessions in
// that time are covered by the event already written, so a viewer
// opening sessions in a loop cannot flood the log (each write wakes
// every board).
type loginLimiter struct {
	mu sync.Mutex
	a  auditLimiter
}

// loginWindow is how long a recorded login covers the same user's later
// sessions from the same address.
const loginWindow = 10 * time.Second

func newLoginLimiter() *loginLimiter {
	return &loginLimiter{a: auditLimiter{seen: map[string]time.Time{}, window: loginWindow}}
}

// due reports whether a login for key must be recorded now.
func (l *loginLimiter) due(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.a.due(key, now)
}

// recorded notes that a login for key was written.
func (l *loginLimiter) recorded(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.a.seen[key] = now
}

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
