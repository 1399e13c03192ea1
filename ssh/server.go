// Package ssh serves sitrep over SSH (wish v2): the console to each
// commander's terminal with their key's identity and role, the wallboard,
// and the command line as `ssh HOST <command>`. Public-key authentication
// only; the session's user is the owner of the key that actually
// authenticated. It adds the guards the stack lacks: handshake timeout,
// connection and session caps, a per-address connection rate, PTY size
// clamping, keyboard idle timeout, maximum session time, and panic
// recovery around everything a session runs.
package ssh

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sitrep/ssh/limit"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	cssh "charm.land/ssh"
	"charm.land/wish/v2"
	gossh "golang.org/x/crypto/ssh"

	"sitrep/model"
	"sitrep/store"
	"sitrep/ui"
)

// Exec runs one command line for a session's actor and returns its exit
// status; the command tree lives in cmd/sitrep, which passes it in.
type Exec func(ctx context.Context, actor model.Actor, args []string, in io.Reader, out, errOut io.Writer) int

// Config configures the server; zero values take the defaults.
type Config struct {
	Store   *store.Store
	Hub     *ui.Hub
	Exec    Exec
	HostKey []byte // PEM, see HostKey
	Log     *slog.Logger

	MaxSessions      int           // concurrent sessions in all; default 1000
	MaxConnSessions  int           // sessions per connection; default 4
	ConnRate         float64       // new connections per second from one address; default 20
	ConnBurst        int           // default 40
	HandshakeTimeout time.Duration // default 10s
	IdleTimeout      time.Duration // without keyboard input; default 30m
	MaxSessionTime   time.Duration // default 12h
	MaxWidth         int           // PTY sizes are clamped to this; default 400
	MaxHeight        int           // default 200

	// TrustedUserCAs are the CAs whose user certificates sign users in
	// (serve --trusted-user-ca); none: certificates are refused.
	TrustedUserCAs []gossh.PublicKey
}

func (c *Config) defaults() {
	set := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	set(&c.MaxSessions, 1000)
	set(&c.MaxConnSessions, 4)
	set(&c.ConnBurst, 40)
	set(&c.MaxWidth, 400)
	set(&c.MaxHeight, 200)
	if c.ConnRate <= 0 {
		c.ConnRate = 20
	}
	for _, d := range []struct {
		p *time.Duration
		v time.Duration
	}{{&c.HandshakeTimeout, 10 * time.Second}, {&c.IdleTimeout, 30 * time.Minute}, {&c.MaxSessionTime, 12 * time.Hour}} {
		if *d.p <= 0 {
			*d.p = d.v
		}
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
}

// Server is a running SSH server.
type Server struct {
	cfg     Config
	srv     *cssh.Server
	limiter *limit.PerAddress // new connections per address
	// refused bounds refused keys in the audit log: each key and address
	// once a minute, a few a second from one address, a generous bound in
	// all; logins, one login event per user and address per loginWindow.
	refused *limit.Audit
	logins  *limit.Audit

	// recordLogin writes a login event; tests make it fail.
	recordLogin func(ctx context.Context, u model.User, l model.Login, source string) error

	conns    atomic.Int64
	sessions atomic.Int64

	// sessionless is sessionlessTimeout; tests shorten it.
	sessionless time.Duration

	// wrapModel, when set (by tests only), wraps every console and
	// wallboard program's model, e.g. to make one panic.
	wrapModel func(tea.Model) tea.Model

	// frames are the screen updates the consoles share (frame.go).
	frames *frameCache

	mu        sync.Mutex
	programs  map[*session]struct{}
	listeners []net.Listener
	closing   bool
}

type connKey struct{}

// connState is what the server tracks of one connection.
type connState struct {
	open      atomic.Int32 // sessions running (shell or exec let through)
	channels  atomic.Int32 // session channels open, running or not
	idleSince atomic.Int64 // unix nanoseconds: when open last was, or became, zero

	handMu  sync.Mutex // see handOver
	handoff *windows
	windows sync.Map // cssh.Session → *windows, until its handle takes them
}

// sessionlessTimeout closes a connection that has had no session open
// for this long, so idle connections (a multiplexing client's master,
// one that never opened a session) cannot hold the connection cap.
const sessionlessTimeout = time.Minute

// New builds a server; Serve starts it.
func New(cfg Config) (*Server, error) {
	cfg.defaults()
	if cfg.Store == nil || cfg.Hub == nil || cfg.Exec == nil || len(cfg.HostKey) == 0 {
		return nil, errors.New("ssh: Store, Hub, Exec and HostKey are required")
	}
	s := &Server{cfg: cfg, limiter: limit.NewPerAddress(cfg.ConnRate, cfg.ConnBurst),
		refused:  limit.NewAudit(5, 20, 50, 200, time.Minute),
		programs: map[*session]struct{}{}, sessionless: sessionlessTimeout, frames: newFrameCache(),
		logins: limit.NewWindow(loginWindow), recordLogin: cfg.Store.RecordLogin}
	srv, err := wish.NewServer(
		wish.WithHostKeyPEM(cfg.HostKey),
		wish.WithPublicKeyAuth(s.publicKey),
		wish.WithBanner("sitrep: sign in with an SSH key an owner has added (sitrep user add NAME --role member --key ...)\n"),
		wish.WithVersion("sitrep"),
	)
	if err != nil {
		return nil, fmt.Errorf("ssh server: %w", err)
	}
	srv.HandshakeTimeout = cfg.HandshakeTimeout
	// No connection-wide MaxTimeout: it runs from the connection's start
	// and would cut sessions short without saying why; each session has
	// its own limit. (The library's IdleTimeout is not used either: with a
	// handshake timeout it races on the connection's deadlines.) A
	// connection with no session open is dropped by admit's watchdog.
	srv.ConnCallback = s.admit
	// Session channels go through sessionChannel, which caps them and
	// decides shell and exec requests itself (filterRequests).
	srv.ChannelHandlers = map[string]cssh.ChannelHandler{"session": s.sessionChannel}
	srv.SessionRequestCallback = func(sess cssh.Session, typ string) bool {
		st, ok := sess.Context().Value(connKey{}).(*connState)
		if !ok || (typ != "shell" && typ != "exec") {
			return false
		}
		st.claim(sess)
		return true
	}
	srv.Handler = s.handle
	s.srv = srv
	return s, nil
}

// admit applies the per-address rate and the connection cap before the
// handshake.
func (s *Server) admit(ctx cssh.Context, c net.Conn) net.Conn {
	if s.isClosing() {
		return nil
	}
	ip := hostOf(c.RemoteAddr())
	if !s.limiter.Allow(ip, time.Now()) {
		s.cfg.Log.Warn("connection refused: rate limit", "addr", c.RemoteAddr().String())
		return nil
	}
	if n := s.conns.Add(1); n > int64(s.cfg.MaxSessions) {
		s.conns.Add(-1)
		s.cfg.Log.Warn("connection refused: at the connection limit", "addr", c.RemoteAddr().String(), "limit", s.cfg.MaxSessions)
		return nil
	}
	st := new(connState)
	st.busy()
	ctx.SetValue(connKey{}, st)
	cc := &countedConn{Conn: c, release: func() { s.conns.Add(-1) }}
	s.watchIdle(st, cc)
	return cc
}

// watchIdle closes the connection once it has had no session open for
// s.sessionless. It holds a timer, not a goroutine, and stops once the
// connection is closed.
func (s *Server) watchIdle(st *connState, cc *countedConn) {
	var mu sync.Mutex // t is set after AfterFunc returns, read when it fires
	var t *time.Timer
	mu.Lock()
	defer mu.Unlock()
	t = time.AfterFunc(s.sessionless, func() {
		mu.Lock()
		defer mu.Unlock()
		if cc.closed.Load() {
			return
		}
		if st.open.Load() > 0 {
			t.Reset(s.sessionless)
			return
		}
		idle := time.Since(time.Unix(0, st.idleSince.Load()))
		if idle >= s.sessionless {
			s.cfg.Log.Info("connection closed: no session open", "addr", cc.RemoteAddr().String(), "after", s.sessionless.String())
			cc.Close()
			return
		}
		t.Reset(s.sessionless - idle)
	})
}

// endSession gives back the connection's session slot.
func endSession(sess cssh.Session) {
	if st, ok := sess.Context().Value(connKey{}).(*connState); ok {
		st.busy()
		st.open.Add(-1)
	}
}

// publicKey admits a key that belongs to a user. It decides nothing about
// identity: clients offer keys they cannot sign for, and this is called
// for those too. The session takes its user from the key that
// authenticated.
func (s *Server) publicKey(ctx cssh.Context, key cssh.PublicKey) bool {
	_, l, err := s.who(ctx, ctx.User(), ctx.RemoteAddr(), key)
	if err == nil {
		return true
	}
	src := source(ctx.RemoteAddr())
	var me *model.Error
	if !errors.Is(err, errUnknownKey) && !errors.As(err, &me) {
		s.cfg.Log.Error("key lookup failed", "err", err)
		return false
	}
	s.cfg.Log.Info("key refused", "fingerprint", l.Fingerprint, "addr", src, "why", err.Error())
	// A key no user has, or a certificate from a trusted CA that
	// could not sign in, is audited; a certificate without a trusted
	// CA only logged, as before.
	if !errors.Is(err, errUnknownKey) && !l.Cert {
		return false
	}
	if ip := hostOf(ctx.RemoteAddr()); s.refused.Allow(ip, l.Fingerprint+" "+ip, time.Now()) {
		c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.cfg.Store.RecordRefusedKey(c, l.Fingerprint, ctx.User(), src); err != nil {
			s.cfg.Log.Error("audit refused key", "err", err)
		}
	}
	return false
}

// Serve accepts connections on l until Shutdown.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		l.Close()
		return nil
	}
	// Both Shutdown and the library close the listener, in either order:
	// only the first close may report an error, so a shutdown never
	// reports the other's close as "use of closed network connection".
	l = &onceCloseListener{Listener: l}
	s.listeners = append(s.listeners, l)
	s.mu.Unlock()
	err := s.srv.Serve(l)
	if errors.Is(err, cssh.ErrServerClosed) || s.isClosing() {
		return nil // closed by Shutdown, perhaps before Serve was listening
	}
	return err
}

// onceCloseListener closes its listener once; later closes succeed.
type onceCloseListener struct {
	net.Listener
	once sync.Once
}

func (l *onceCloseListener) Close() error {
	err := error(nil)
	l.once.Do(func() { err = l.Listener.Close() })
	return err
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// Shutdown tells every console session that the server is stopping, ends
// them, and waits (until ctx ends) for connections to close.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	for p := range s.programs {
		p.stop()
	}
	// Close the listeners here too: a Shutdown that comes before the
	// library registered one would otherwise leave it accepting.
	for _, l := range s.listeners {
		l.Close()
	}
	s.mu.Unlock()
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return s.srv.Close()
	}
	return err
}

// Sessions is the number of sessions running now.
func (s *Server) Sessions() int { return int(s.sessions.Load()) }

func hostOf(a net.Addr) string {
	if a == nil {
		return ""
	}
	h, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return h
}

// source is how events name where an SSH write came from.
func source(a net.Addr) string {
	if a == nil {
		return "ssh:unknown"
	}
	return "ssh:" + a.String()
}
