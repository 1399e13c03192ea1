package ssh

import (
	"errors"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
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
