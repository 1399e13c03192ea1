package ssh

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"sitrep/model"
	"sitrep/ssh/sshtest"
)

// withTimeout runs f and reports whether it returned within d; f keeps
// running if it did not.
func withTimeout(d time.Duration, f func()) bool {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// connFDs lists the process's open file descriptors but the database's:
// the store's read pool opens more connections as reads overlap, up to
// its bound, and keeps them.
func connFDs() ([]string, error) {
	if _, err := openFDs(); err != nil {
		return nil, err
	}
	var out []string
	for _, name := range fdNames() {
		if !strings.Contains(name, "/sitrep.db") {
			out = append(out, name)
		}
	}
	return out, nil
}

// baseline is what a leak test compares against.
type baseline struct {
	g, fd   int
	fdErr   error
	fdNames []string
}

func takeBaseline(t *testing.T, h *harness) baseline {
	t.Helper()
	if !eventually(10*time.Second, func() bool { return h.srv.Sessions() == 0 && h.srv.conns.Load() == 0 }) {
		t.Fatalf("before the test: %d sessions, %d connections", h.srv.Sessions(), h.srv.conns.Load())
	}
	b := baseline{g: settledGoroutines()}
	b.fdNames, b.fdErr = connFDs()
	b.fd = len(b.fdNames)
	return b
}

// backToBaseline fails the test unless sessions, connections, goroutines
// (with slack for the runtime's stragglers) and file descriptors return
// to the baseline.
func (b baseline) check(t *testing.T, h *harness, what string) {
	t.Helper()
	const slack = 2
	var g, fd int
	ok := eventually(15*time.Second, func() bool {
		g = runtime.NumGoroutine()
		if b.fdErr == nil {
			names, _ := connFDs()
			fd = len(names)
		}
		return h.srv.Sessions() == 0 && h.srv.conns.Load() == 0 && g <= b.g+slack && (b.fdErr != nil || fd <= b.fd)
	})
	if ok {
		return
	}
	var s strings.Builder
	pprof.Lookup("goroutine").WriteTo(&s, 1)
	var extra []string
	names, _ := connFDs()
	for _, name := range names {
		if !slices.Contains(b.fdNames, name) {
			extra = append(extra, name)
		}
	}
	t.Errorf("%s: sessions %d, connections %d, goroutines %d (baseline %d), file descriptors %d (baseline %d; new: %v)\n%s",
		what, h.srv.Sessions(), h.srv.conns.Load(), g, b.g, fd, b.fd, extra, tail(s.String(), 6000))
}

// Window changes sent to a command running on a terminal (ssh -tt HOST
// note 1 -), before and after it starts, are absorbed: the connection
// keeps serving, and once the clients leave every connection slot,
// goroutine and file descriptor is given back and the owner gets in.
func TestWindowChangesDuringCommandAreAbsorbed(t *testing.T) {
	const conns = 4
	// Each connection holds a command and runs one more session beside it.
	h := newHarness(t, func(c *Config) { c.MaxSessions = conns + 1 })
	flood := func() {
		var clients []*gossh.Client
		for i := range conns {
			c := h.dial("vera")
			clients = append(clients, c)
			sess, err := c.NewSession()
			if err != nil {
				t.Fatal(err)
			}
			if err := sess.RequestPty("xterm", 24, 80, gossh.TerminalModes{}); err != nil {
				t.Fatal(err)
			}
			// Before the command starts: a resize between pty-req and exec.
			for j := range 5 {
				if err := sess.WindowChange(24+j, 80+j); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := sess.StdinPipe(); err != nil { // kept open: cat blocks reading
				t.Fatal(err)
			}
			if err := sess.Start("cat"); err != nil {
				t.Fatalf("connection %d: start: %v", i, err)
			}
			for j := range 200 {
				if err := sess.WindowChange(30+j%50, 100+j%50); err != nil {
					t.Fatalf("connection %d: window change %d: %v", i, j, err)
				}
			}
			// The connection still answers: a second session on it runs.
			var out string
			var code int
			if !withTimeout(10*time.Second, func() { out, _, code = run(t, c, "whoami") }) {
				t.Fatalf("connection %d: after window changes during a command, the connection no longer serves a new session", i)
			}
			if code != 0 || !strings.HasPrefix(out, "vera ") {
				t.Errorf("connection %d: whoami after window changes: exit %d %q", i, code, out)
			}
		}
		for _, c := range clients {
			c.Close()
		}
	}
	// Warm up: the first sessions open the store's pooled connections.
	flood()
	base := takeBaseline(t, h)
	flood()
	base.check(t, h, "after the resized commands' clients left")
	if out, errOut, code := h.runAs("olivia", "whoami"); code != 0 || !strings.HasPrefix(out, "olivia ") {
		t.Errorf("the owner after the resize flood: exit %d %q %q", code, out, errOut)
	}
}

// A command blocked reading a standard input the client keeps open and
// never writes (sleep 50 | ssh HOST note 1 -) ends at the maximum session
// time, says why and exits non-zero.
func TestMaxSessionTimeEndsBlockedStdin(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.MaxSessionTime = time.Second })
	sess, err := h.dial("vera").NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if _, err := sess.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	var errOut strings.Builder
	sess.Stderr = &errOut
	if err := sess.Start("cat"); err != nil {
		t.Fatal(err)
	}
	if !withTimeout(15*time.Second, func() { err = sess.Wait() }) {
		t.Fatal("a command blocked on standard input ran 15s past a maximum session time of 1s")
	}
	var exit *gossh.ExitError
	if !errors.As(err, &exit) || exit.ExitStatus() == 0 {
		t.Errorf("a command cut off reading standard input: %v, want a non-zero exit status", err)
	}
	if !strings.Contains(errOut.String(), "maximum time of 1s") {
		t.Errorf("not told why: %q", errOut.String())
	}
}

// Commands whose client never reads their output end at the maximum
// session time with a non-zero exit status; once the clients leave,
// goroutines, file descriptors, memory and slots are back at the
// baseline and the owner gets in.
func TestMaxSessionTimeEndsUnreadOutput(t *testing.T) {
	const n = 3
	h := newHarness(t, func(c *Config) { c.MaxSessionTime = time.Second })
	flood := func() {
		var clients []*gossh.Client
		var sessions []*gossh.Session
		for range n {
			c := h.dial("vera")
			clients = append(clients, c)
			sess, err := c.NewSession()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := sess.StdoutPipe(); err != nil { // never read
				t.Fatal(err)
			}
			if err := sess.Start("flood"); err != nil {
				t.Fatal(err)
			}
			sessions = append(sessions, sess)
		}
		for i, sess := range sessions {
			var err error
			if !withTimeout(15*time.Second, func() { err = sess.Wait() }) {
				t.Fatalf("session %d: a command writing to a client that does not read ran 15s past a maximum time of 1s", i)
			}
			var exit *gossh.ExitError
			if !errors.As(err, &exit) || exit.ExitStatus() == 0 {
				t.Errorf("session %d: a command cut off writing: %v, want a non-zero exit status", i, err)
			}
		}
		for _, c := range clients {
			c.Close()
		}
	}
	flood() // warm-up
	base := takeBaseline(t, h)
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	flood()
	base.check(t, h, "after the unread commands' clients left")
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 8<<20 {
		t.Errorf("the heap grew by %d bytes over %d unread commands", grown, n)
	}
	if out, errOut, code := h.runAs("olivia", "whoami"); code != 0 || !strings.HasPrefix(out, "olivia ") {
		t.Errorf("the owner after unread commands: exit %d %q %q", code, out, errOut)
	}
}

// Session channels a connection holds open are capped before the library
// accepts them, and each channel's env requests are bounded; other
// connections are served.
func TestChannelsAndEnvBoundedPerConnection(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.MaxConnSessions = 2 })
	c := h.dial("vera")
	limit := int(h.srv.maxConnChannels())
	opened := 0
	for range limit + 20 {
		s, err := c.NewSession()
		if err != nil {
			break
		}
		defer s.Close()
		opened++
	}
	if opened != limit {
		t.Errorf("one connection opened %d session channels; the cap is %d", opened, limit)
	}
	c2 := h.dial("vera")
	sess, err := c2.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	taken := 0
	for i := range 200 {
		if sess.Setenv(fmt.Sprintf("V%d", i), strings.Repeat("x", 100)) == nil {
			taken++
		}
	}
	if taken > maxEnvRequests {
		t.Errorf("a channel took %d env requests; the cap is %d", taken, maxEnvRequests)
	}
	if err := sess.Setenv("BIG", strings.Repeat("x", maxEnvBytes+1)); err == nil {
		t.Errorf("an env request of %d bytes was taken", maxEnvBytes+1)
	}
	if out, errOut, code := h.runAs("olivia", "whoami"); code != 0 || !strings.HasPrefix(out, "olivia ") {
		t.Errorf("the owner beside a connection at its channel cap: exit %d %q %q", code, out, errOut)
	}
}

// A refused subsystem request (sftp) takes no session slot.
func TestRefusedSubsystemKeepsNoSlot(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.MaxConnSessions = 1 })
	c := h.dial("vera")
	for i := range 3 {
		s, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RequestSubsystem("sftp"); err == nil {
			t.Errorf("subsystem sftp %d was accepted", i)
		}
		s.Close()
	}
	if out, _, code := run(t, c, "whoami"); code != 0 || !strings.HasPrefix(out, "vera ") {
		t.Errorf("after refused subsystems, the connection's one session: exit %d %q", code, out)
	}
}

// A connection that has run a session and then holds none (a
// multiplexing client's master) is closed once its idle time is up.
func TestIdleConnectionClosedAfterSessions(t *testing.T) {
	t.Parallel()
	h := newHarnessWith(t, nil, func(s *Server) { s.sessionless = 300 * time.Millisecond })
	c := h.dial("vera")
	for range 2 {
		if out, _, code := run(t, c, "whoami"); code != 0 || !strings.HasPrefix(out, "vera ") {
			t.Fatalf("whoami: exit %d %q", code, out)
		}
	}
	// A running session keeps the connection: cat, its input open,
	// outlives the idle time.
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := s.Start("cat"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // longer than the idle time, with a session open
	if _, _, err := c.SendRequest("ping@sitrep.test", true, nil); err != nil {
		t.Fatalf("a connection with a session open was closed: %v", err)
	}
	s.Close()
	if !withTimeout(10*time.Second, func() { c.Wait() }) {
		t.Fatal("a connection with no session open was not closed")
	}
	if !eventually(5*time.Second, func() bool { return h.srv.conns.Load() == 0 }) {
		t.Errorf("connections counted after the idle one closed: %d", h.srv.conns.Load())
	}
}

// A viewer opening sessions in a loop writes one login event per user
// and address within loginWindow, not one per session; another user's
// login is still recorded.
func TestLoginEventsRateLimited(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	c := h.dial("vera")
	for range 30 {
		if out, _, code := run(t, c, "whoami"); code != 0 || !strings.HasPrefix(out, "vera ") {
			t.Fatalf("whoami: exit %d %q", code, out)
		}
	}
	h.runAs("olivia", "whoami")
	count := func(user string) int {
		return len(h.audit(func(e model.Event) bool { return e.Action == model.EvLogin && e.Actor == user }))
	}
	if n := count("vera"); n != 1 {
		t.Errorf("30 sessions at once by one user from one address wrote %d login events, want 1", n)
	}
	if n := count("olivia"); n != 1 {
		t.Errorf("another user's login beside the flood: %d events, want 1", n)
	}
}

// If a session's login cannot be written to the audit log, the session
// is refused with a sentence: no session the audit cannot see.
func TestLoginAuditFailureRefusesSession(t *testing.T) {
	t.Parallel()
	var fail atomic.Bool
	h := newHarnessWith(t, nil, func(s *Server) {
		rec := s.recordLogin
		s.recordLogin = func(ctx context.Context, u model.User, l model.Login, src string) error {
			if fail.Load() {
				return errors.New("database is locked")
			}
			return rec(ctx, u, l, src)
		}
	})
	fail.Store(true)
	out, errOut, code := h.runAs("bob", "whoami")
	if code == 0 || out != "" || !strings.Contains(errOut, "could not be recorded in the audit log") {
		t.Errorf("a session whose login could not be audited: exit %d %q %q", code, out, errOut)
	}
	fail.Store(false)
	if out, _, code := h.runAs("bob", "whoami"); code != 0 || !strings.HasPrefix(out, "bob ") {
		t.Errorf("once the audit works again: exit %d %q", code, out)
	}
	if n := len(h.audit(func(e model.Event) bool { return e.Action == model.EvLogin && e.Actor == "bob" })); n != 1 {
		t.Errorf("login events for bob: %d, want the one that was let in", n)
	}
}

// Refused keys are rate-limited per address: a flood from one address,
// kept up meanwhile, does not hide refusals from another.
func TestRefusedKeyLimitPerAddress(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	flooded := func() int {
		return len(h.audit(func(e model.Event) bool { return e.Action == model.EvLoginRefused }))
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				k, _ := sshtest.NewKey(t)
				if c, err := h.dialWith(clientConfig(gossh.PublicKeys(k))); err == nil {
					c.Close()
					t.Error("an unknown key was let in")
					return
				}
			}
		})
	}
	defer wg.Wait()
	defer close(stop)
	// The flood has used up its address's burst.
	if !eventually(20*time.Second, func() bool { return flooded() >= 20 }) {
		t.Fatalf("the flood from 127.0.0.1 was not audited at all: %d rows", flooded())
	}
	var fps []string
	for range 3 {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: 5 * time.Second}
		nc, err := d.Dial("tcp", h.addr)
		if err != nil {
			t.Skipf("cannot dial from 127.0.0.2: %v", err)
		}
		k, _ := sshtest.NewKey(t)
		if _, _, _, err := gossh.NewClientConn(nc, h.addr, clientConfig(gossh.PublicKeys(k))); err == nil {
			t.Fatal("an unknown key was let in")
		}
		nc.Close()
		fps = append(fps, gossh.FingerprintSHA256(k.PublicKey()))
	}
	for _, fp := range fps {
		if n := len(h.audit(func(e model.Event) bool { return e.Action == model.EvLoginRefused && strings.Contains(e.Target, fp) })); n != 1 {
			t.Errorf("during a flood of refused keys from 127.0.0.1, a refused key from 127.0.0.2 has %d audit rows, want 1", n)
		}
	}
}

// A certificate presented as a key is refused, even one planted in the
// database as a user's key (an expired one, naming a user it does not
// belong to).
func TestCertificateRefusedAsKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	ca, _ := sshtest.NewKey(t)
	cert := &gossh.Certificate{Key: h.keys["vera"].PublicKey(), CertType: gossh.UserCert, ValidPrincipals: []string{"olivia"},
		ValidAfter: 0, ValidBefore: uint64(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Unix())}
	if err := cert.SignCert(rand.Reader, ca); err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewCertSigner(cert, h.keys["vera"])
	if err != nil {
		t.Fatal(err)
	}
	owner, err := h.st.User(context.Background(), "olivia")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", h.st.Path()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec("INSERT INTO user_keys (user_id, fingerprint, type, key, comment, created_at) VALUES (?, ?, ?, ?, '', 0)",
		owner.ID, gossh.FingerprintSHA256(cert), cert.Type(), strings.TrimSpace(string(gossh.MarshalAuthorizedKey(cert)))); err != nil {
		t.Fatal(err)
	}
	if c, err := h.dialWith(clientConfig(gossh.PublicKeys(signer))); err == nil {
		out, _, _ := run(t, c, "whoami")
		t.Errorf("a certificate planted as the owner's key let a client in: whoami = %q", out)
	}
	// The plain key still works for its own user.
	if out, _, code := h.runAs("vera", "whoami"); code != 0 || !strings.HasPrefix(out, "vera ") {
		t.Errorf("vera's own key: exit %d %q", code, out)
	}
}
