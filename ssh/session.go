package ssh

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	cssh "charm.land/ssh"
	"github.com/charmbracelet/colorprofile"

	"sitrep/model"
	"sitrep/ui"
)

// session is a running full-screen program, so Shutdown can end it.
type session struct {
	once sync.Once
	quit func()
	why  string
	mu   sync.Mutex
}

func (p *session) stop() {
	p.mu.Lock()
	p.why = "the server is shutting down; reconnect in a moment"
	p.mu.Unlock()
	p.once.Do(p.quit)
}

func (p *session) reason() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.why
}

// handle is every session, from identity to the end. It recovers from a
// panic anywhere inside, logs it and ends only that session.
func (s *Server) handle(sess cssh.Session) {
	start := time.Now()
	wins := sessionWindows(sess)
	// The connection's session slot is given back before the client is
	// told the exit status: a client that opens its next session on
	// hearing it must find the slot free.
	counted := false // this session is in s.sessions
	release := sync.OnceFunc(func() {
		if counted {
			s.sessions.Add(-1)
		}
		endSession(sess)
	})
	defer release()
	exit := func(code int) {
		release()
		sess.Exit(code)
	}
	addr := source(sess.RemoteAddr())
	user := "-"
	kind := "exec"
	defer func() {
		if r := recover(); r != nil {
			s.cfg.Log.Error("session panic", "user", user, "addr", addr, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			fmt.Fprintf(sess.Stderr(), "\r\nsitrep: an internal error ended this session; it has been logged\r\n")
			exit(70)
		}
	}()
	if n := s.sessions.Add(1); n > int64(s.cfg.MaxSessions) {
		s.sessions.Add(-1)
		fmt.Fprintln(sess.Stderr(), "sitrep: the server is at its session limit; try again shortly")
		exit(1)
		return
	}
	counted = true

	if s.isClosing() {
		fmt.Fprintln(sess.Stderr(), "sitrep: the server is shutting down; reconnect in a moment")
		exit(1)
		return
	}
	u, login, err := s.identify(sess)
	if err != nil {
		s.cfg.Log.Warn("session refused", "addr", addr, "err", err)
		fmt.Fprintf(sess.Stderr(), "sitrep: %s\n", err)
		exit(1)
		return
	}
	user = u.Name
	actor := model.Actor{Name: u.Name, Role: u.Role, Source: addr, UserID: u.ID}
	ctx, cancel := context.WithTimeout(sess.Context(), s.cfg.MaxSessionTime)
	defer cancel()
	// No session the audit cannot see: if its login cannot be written,
	// the session is refused.
	// Each key, and each certificate, gets its own login event.
	key := fmt.Sprintf("%s %s %s %s %d", u.Name, hostOf(sess.RemoteAddr()), login.Fingerprint, login.CA, login.CertSerial)
	if now := time.Now(); s.logins.Due(key, now) {
		if err := s.recordLogin(ctx, u, login, addr); err != nil {
			s.cfg.Log.Error("session refused: the login could not be audited", "user", u.Name, "addr", addr, "err", err)
			fmt.Fprintln(sess.Stderr(), "sitrep: your login could not be recorded in the audit log, so the session is refused; try again shortly")
			exit(1)
			return
		}
		s.logins.Mark(key, now)
	}

	args, err := SplitCommand(sess.RawCommand())
	if err != nil {
		fmt.Fprintf(sess.Stderr(), "sitrep: %s\n", model.SanitizeLine(err.Error()))
		s.cfg.Log.Info("session", "user", u.Name, "role", u.Role, "addr", addr, "kind", kind, "exit", 2, "refused", "command line")
		exit(2)
		return
	}
	_, _, isPty := sess.Pty()
	code := 0
	switch {
	case len(args) == 0 && isPty:
		kind = "console"
		code = s.program(ctx, sess, wins, actor, false)
	case len(args) == 1 && args[0] == "wall" && isPty:
		kind = "wall"
		code = s.program(ctx, sess, wins, actor, true)
	case len(args) == 0:
		fmt.Fprintln(sess.Stderr(), "sitrep: the console needs a terminal; connect with ssh -t, or give a command such as list")
		code = 1
	case len(args) == 1 && args[0] == "wall":
		fmt.Fprintln(sess.Stderr(), "sitrep: the wallboard needs a terminal; connect with ssh -t HOST wall")
		code = 1
	default:
		code = s.command(ctx, sess, actor, args)
	}
	s.cfg.Log.Info("session", "user", u.Name, "role", u.Role, "addr", addr, "kind", kind, "exit", code,
		"duration", time.Since(start).Round(time.Millisecond).String())
	exit(code)
}

// command runs one command line. Its reads and writes end at the
// session's maximum time whatever the client does, and its output
// streams to the client a piece at a time. A command cut off is told why
// on stderr, if the client still reads, and always gets a non-zero exit
// status.
func (s *Server) command(ctx context.Context, sess cssh.Session, actor model.Actor, args []string) int {
	ctx, revoke := context.WithCancelCause(ctx)
	defer revoke(nil)
	s.follow(ctx, actor.UserID, actor.Role, func(model.Role) {}, func() { revoke(errUserRemoved) })
	sio := newSessionIO(ctx, sess)
	defer sio.close()
	stderr := sess.Stderr()
	code := s.cfg.Exec(ctx, actor, args, sio, sio.writer(sess), sio.writer(stderr))
	if context.Cause(ctx) == errUserRemoved {
		s.cfg.Log.Info("session ended: user removed", "user", actor.Name, "addr", actor.Source, "command", args[0])
		sio.say(stderr, "sitrep: "+errUserRemoved.Error()+"\n", screenStopWait)
		if code == 0 {
			code = exitRefused
		}
		return code
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		s.cfg.Log.Info("session reached its maximum time", "user", actor.Name, "addr", actor.Source, "command", args[0])
		sio.say(stderr, fmt.Sprintf("sitrep: the session reached its maximum time of %s\n", s.cfg.MaxSessionTime), screenStopWait)
		if code == 0 {
			code = exitTimeUp
		}
	}
	return code
}

// exitRefused is the exit status of a command whose user was removed
// while it ran, as of any refused command.
const exitRefused = 1

// exitTimeUp is the exit status of a command cut off at the maximum
// session time that did not give its own (as timeout(1) does).
const exitTimeUp = 124

// identify finds the user whose key authenticated this connection. The
// public-key callback also sees keys a client offers and cannot sign for,
// so the decision is made here, from the session's own key.
func (s *Server) identify(sess cssh.Session) (model.User, model.Login, error) {
	pk := sess.PublicKey()
	if pk == nil {
		return model.User{}, model.Login{}, errors.New("no public key authenticated this session; sitrep accepts keys only")
	}
	u, l, err := s.who(sess.Context(), sess.User(), sess.RemoteAddr(), pk)
	if errors.Is(err, errUnknownKey) && !l.Cert {
		return u, l, fmt.Errorf("the key %s no longer belongs to a user", l.Fingerprint)
	}
	if err != nil {
		return u, l, err
	}
	// The security-key policy is applied here, not in the public-key
	// callback, so the client is told why and what to do.
	pol, err := s.cfg.Store.Policy(sess.Context())
	if err != nil {
		return u, l, fmt.Errorf("cannot read the policy: %w", err)
	}
	if err := pol.CheckKeyForRole(u.Role, l.KeyType); err != nil {
		return u, l, err
	}
	return u, l, nil
}

// program runs the console (or the wallboard) on the session's terminal:
// size clamped, keyboard idleness tracked, and ended by Shutdown, the
// session's end or the maximum session time.
func (s *Server) program(ctx context.Context, sess cssh.Session, wins *windows, actor model.Actor, wall bool) int {
	pty, _, _ := sess.Pty()
	w, h := s.clamp(pty.Window.Width, pty.Window.Height)
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The client closing its input ends the program: the session's own
	// end, which the connection's context does not tell.
	in := &idleInput{r: sess, onErr: cancel}
	in.last.Store(time.Now().UnixNano())
	envs := append(sess.Environ(), "TERM="+pty.Term)

	var prog tea.Model
	var closeProg func()
	if wall {
		wm := ui.NewWall(ui.WallOptions{Source: s.cfg.Hub, Clock: s.cfg.Store.Clock(), Width: w, Height: h})
		prog, closeProg = wm, wm.Close
	} else {
		leave := s.cfg.Hub.Join(actor.Name)
		defer leave()
		cm := ui.New(ui.Options{Store: s.cfg.Store, Source: s.cfg.Hub, Actor: actor, Width: w, Height: h})
		prog, closeProg = cm, cm.Close
	}
	defer closeProg()
	if s.wrapModel != nil {
		prog = s.wrapModel(prog)
	}
	reg := &session{quit: cancel}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		fmt.Fprintln(sess.Stderr(), "sitrep: the server is shutting down; reconnect in a moment")
		return 1
	}
	s.programs[reg] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.programs, reg)
		s.mu.Unlock()
	}()

	profile := colorprofile.Env(envs)
	scr := newScreen(sess, s.frames, profile, w, h)
	defer scr.stop(screenStopWait) // after a panic too
	// From here on the screen's goroutine is the channel's only writer
	// until it has stopped.

	p := tea.NewProgram(drawn{Model: prog, scr: scr},
		tea.WithContext(pctx),
		// The keyboard is read below (input.go), not by Bubble Tea.
		tea.WithInput(nil),
		tea.WithOutput(scr),
		tea.WithEnvironment(envs),
		tea.WithColorProfile(profile),
		tea.WithWindowSize(w, h),
		tea.WithoutSignalHandler(),
		// The session's screen draws the frames (screen.go). What Bubble
		// Tea still writes itself, the program's terminal queries, goes
		// out through the screen at Bubble Tea's tick: once a second.
		tea.WithoutRenderer(),
		tea.WithFPS(1),
		tea.WithFilter(func(_ tea.Model, msg tea.Msg) tea.Msg {
			switch m := msg.(type) {
			case tea.SuspendMsg:
				return tea.ResumeMsg{} // a remote client cannot suspend the server
			case tea.WindowSizeMsg:
				m.Width, m.Height = s.clamp(m.Width, m.Height)
				return m
			}
			return msg
		}),
	)
	s.follow(pctx, actor.UserID, actor.Role, func(r model.Role) {
		p.Send(ui.RoleMsg{Role: r})
	}, func() {
		s.cfg.Log.Info("session ended: user removed", "user", actor.Name, "addr", actor.Source)
		reg.mu.Lock()
		reg.why = errUserRemoved.Error()
		reg.mu.Unlock()
		cancel()
	})
	go (&keyboard{}).run(pctx, in, p.Send)
	// One goroutine hands sizes on and watches keyboard idleness.
	go func() {
		tick := time.NewTicker(min(time.Minute, s.cfg.IdleTimeout/4+time.Second))
		defer tick.Stop()
		for {
			select {
			case <-pctx.Done():
				return
			case <-wins.changed:
				if m, ok := wins.size(s.clamp); ok {
					p.Send(m)
				}
			case now := <-tick.C:
				// A wallboard is read, never typed at: only the maximum
				// session time ends it.
				if !wall && in.idleFor(now) > s.cfg.IdleTimeout {
					reg.mu.Lock()
					reg.why = fmt.Sprintf("no keyboard input for %s; the session ended", s.cfg.IdleTimeout)
					reg.mu.Unlock()
					cancel()
					return
				}
			}
		}
	}()
	_, err := p.Run()
	// A client that is not reading is told nothing more: the screen's
	// writer may still be blocked writing to it.
	say, sayErr := io.Discard, io.Discard
	if scr.stop(screenStopWait) {
		say, sayErr = sess, sess.Stderr()
	}
	if errors.Is(err, tea.ErrProgramPanic) {
		// Bubble Tea recovered a panic inside the program (its stack went
		// to the server's stderr); the screen restored the terminal, and
		// the server and every other session live on.
		s.cfg.Log.Error("session panic", "user", actor.Name, "addr", actor.Source, "wall", wall, "err", err)
		fmt.Fprintf(sayErr, "\r\nsitrep: an internal error ended this session; it has been logged\r\n")
		return 70
	}
	if why := reg.reason(); why != "" {
		fmt.Fprintf(say, "\r\nsitrep: %s\r\n", why)
	} else if ctx.Err() == context.DeadlineExceeded {
		fmt.Fprintf(say, "\r\nsitrep: the session reached its maximum time of %s\r\n", s.cfg.MaxSessionTime)
	}
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) && pctx.Err() == nil {
		s.cfg.Log.Error("console ended with an error", "user", actor.Name, "addr", actor.Source, "err", err)
		return 70
	}
	return 0
}

// screenStopWait is how long a console's end waits for its last frame
// and the terminal's restoration to be written to a client not reading.
const screenStopWait = 2 * time.Second

func (s *Server) clamp(w, h int) (int, int) {
	return max(1, min(w, s.cfg.MaxWidth)), max(1, min(h, s.cfg.MaxHeight))
}
