package ssh

import (
	"fmt"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	cssh "charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// Bounds on what one session channel may ask for before it starts. The
// console reads TERM and the colour variables; nothing needs more.
const (
	maxEnvRequests = 32
	maxEnvBytes    = 16 << 10 // all of one channel's env requests together
)

// maxConnChannels is how many session channels one connection may hold
// open at once: its session cap, with room for channels that have ended
// on the server but whose close the client has not yet confirmed. The
// library accepts a channel and starts its goroutines before any request
// is seen, so the cap is applied here, before accepting.
func (s *Server) maxConnChannels() int32 { return int32(2*s.cfg.MaxConnSessions + 2) }

// sessionChannel is the handler for "session" channels: it refuses a
// channel past the connection's cap before the library accepts it, and
// puts a filter between the channel's requests and the library's
// request loop (filterRequests).
func (s *Server) sessionChannel(srv *cssh.Server, conn *gossh.ServerConn, nc gossh.NewChannel, ctx cssh.Context) {
	st, ok := ctx.Value(connKey{}).(*connState)
	if !ok {
		nc.Reject(gossh.Prohibited, "sitrep: this connection was not admitted")
		return
	}
	if st.channels.Add(1) > s.maxConnChannels() {
		st.channels.Add(-1)
		s.cfg.Log.Warn("channel refused: at the connection's channel limit", "addr", conn.RemoteAddr().String(), "limit", s.maxConnChannels())
		nc.Reject(gossh.ResourceShortage, fmt.Sprintf("sitrep: at most %d sessions at once on one connection", s.cfg.MaxConnSessions))
		return
	}
	defer st.channels.Add(-1)
	// Returns when the channel's requests end: its close is confirmed or
	// the connection is gone.
	cssh.DefaultSessionHandler(srv, conn, &filteredChannel{NewChannel: nc, s: s, st: st}, ctx)
}

// filteredChannel hands the library a filtered request stream.
type filteredChannel struct {
	gossh.NewChannel
	s  *Server
	st *connState
}

func (f *filteredChannel) Accept() (gossh.Channel, <-chan *gossh.Request, error) {
	ch, reqs, err := f.NewChannel.Accept()
	if err != nil {
		return ch, reqs, err
	}
	out := make(chan *gossh.Request)
	go f.s.filterRequests(f.st, reqs, out)
	return ch, out, nil
}

// filterRequests passes a channel's requests to the library's loop, but
// decides itself what the library would get wrong:
//
//   - shell and exec: the connection's session cap (the library's session
//     callback cannot tell the filter what it decided), applied once.
//   - subsystem: refused here; sitrep serves none, and the library would
//     count a slot it never gives back.
//   - env: bounded in number and size.
//   - window-change: answered here, never passed on. The library queues
//     sizes on a one-slot channel that only a running console reads, so
//     a second size during a command blocked its loop, and with it the
//     whole connection; it also rewrites the session's PTY record while
//     the session reads it. The newest size goes to the session through
//     its windows instead, whatever it runs.
func (s *Server) filterRequests(st *connState, in <-chan *gossh.Request, out chan<- *gossh.Request) {
	defer close(out)
	var (
		started, pty bool
		envN, envB   int
	)
	wins := newWindows()
	for req := range in {
		switch req.Type {
		case "shell", "exec":
			if started {
				req.Reply(false, nil)
				continue
			}
			if !st.openSession(int32(s.cfg.MaxConnSessions)) {
				s.cfg.Log.Info("session refused: at the connection's session limit", "limit", s.cfg.MaxConnSessions)
				req.Reply(false, nil)
				continue
			}
			started = true
			st.handOver(wins, func() { out <- req })
			continue
		case "subsystem":
			req.Reply(false, nil)
			continue
		case "env":
			if started || envN >= maxEnvRequests || envB+len(req.Payload) > maxEnvBytes {
				req.Reply(false, nil)
				continue
			}
			envN++
			envB += len(req.Payload)
		case "pty-req":
			if !started {
				pty = true
			}
		case "window-change":
			var w struct{ Width, Height, PxWidth, PxHeight uint32 }
			ok := pty && gossh.Unmarshal(req.Payload, &w) == nil
			if ok {
				wins.set(cssh.Window{Width: int(w.Width), Height: int(w.Height)})
			}
			req.Reply(ok, nil)
			continue
		}
		out <- req
	}
}

// handOver passes a channel's windows to its session: the filter sets
// the hand-over slot, passes the shell or exec request on (send), and
// waits until the library's session callback, which runs for that
// request before the session starts, has taken it (claim). The lock keeps
// two of the connection's channels from crossing.
func (st *connState) handOver(w *windows, send func()) {
	st.handMu.Lock()
	defer st.handMu.Unlock()
	st.handoff = w
	send()
	<-w.claimed
}

// claim is the library's session callback for a shell or exec request
// the filter let through: it files the channel's windows under its
// session, for handle.
func (st *connState) claim(sess cssh.Session) {
	w := st.handoff
	st.handoff = nil
	if w == nil {
		return
	}
	st.windows.Store(sess, w)
	close(w.claimed)
}

// sessionWindows is the session's windows, filed by claim.
func sessionWindows(sess cssh.Session) *windows {
	if st, ok := sess.Context().Value(connKey{}).(*connState); ok {
		if w, ok := st.windows.LoadAndDelete(sess); ok {
			return w.(*windows)
		}
	}
	return newWindows()
}

// openSession takes one of the connection's session slots, if one is
// free; endSession gives it back.
func (st *connState) openSession(limit int32) bool {
	if st.open.Add(1) > limit {
		st.open.Add(-1)
		return false
	}
	st.busy()
	return true
}

// busy records that the connection has, or just had, a session.
func (st *connState) busy() { st.idleSince.Store(time.Now().UnixNano()) }

// windows holds the newest window size a session's client sent; the
// console takes it from there.
type windows struct {
	latest  atomic.Pointer[cssh.Window]
	changed chan struct{} // one slot: a size is waiting in latest
	claimed chan struct{} // closed when handed to the session
}

func newWindows() *windows {
	return &windows{changed: make(chan struct{}, 1), claimed: make(chan struct{})}
}

func (w *windows) set(win cssh.Window) {
	w.latest.Store(&win)
	select {
	case w.changed <- struct{}{}:
	default:
	}
}

// size is the newest window size as a message, clamped.
func (w *windows) size(clamp func(int, int) (int, int)) (tea.WindowSizeMsg, bool) {
	win := w.latest.Load()
	if win == nil {
		return tea.WindowSizeMsg{}, false
	}
	cw, ch := clamp(win.Width, win.Height)
	return tea.WindowSizeMsg{Width: cw, Height: ch}, true
}
