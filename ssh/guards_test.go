package ssh

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"sitrep/model"
	"sitrep/ssh/sshtest"
)

func TestConnectionRateLimit(t *testing.T) {
	t.Parallel()
	// A rate so slow that no token comes back while the test runs,
	// however loaded the machine: the burst alone decides. The harness's
	// readiness probe took the first of the three.
	h := newHarness(t, func(c *Config) { c.ConnRate, c.ConnBurst = 1.0/3600, 3 })
	var results []error
	for range 4 {
		c, err := h.dialWith(clientConfig(gossh.PublicKeys(h.keys["bob"])))
		if err == nil {
			c.Close()
		}
		results = append(results, err)
	}
	if results[0] != nil || results[1] != nil {
		t.Errorf("the rest of the burst: %v, %v", results[0], results[1])
	}
	if results[2] == nil || results[3] == nil {
		t.Errorf("connections past the burst were let in (%v)", results)
	}
	if !strings.Contains(h.log.String(), "rate limit") {
		t.Errorf("refusals by rate are not logged: %s", tail(h.log.String(), 500))
	}
}

func TestConnectionCap(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.MaxSessions = 2 })
	a := h.dial("bob")
	h.dial("vera")
	if _, err := h.dialWith(clientConfig(gossh.PublicKeys(h.keys["alice"]))); err == nil {
		t.Error("a third connection was let in with MaxSessions 2")
	}
	if !strings.Contains(h.log.String(), "at the connection limit") {
		t.Errorf("the refusal is not logged: %s", tail(h.log.String(), 500))
	}
	a.Close()
	ok := eventually(3*time.Second, func() bool {
		c, err := h.dialWith(clientConfig(gossh.PublicKeys(h.keys["alice"])))
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
	if !ok {
		t.Error("a connection's slot was not given back when it closed")
	}
}

func TestSessionCapPerConnection(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.MaxConnSessions = 2 })
	c := h.dial("bob")
	for i := range 2 {
		s, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Start("sleep"); err != nil {
			t.Fatalf("session %d of 2: %v", i+1, err)
		}
	}
	s, err := c.NewSession()
	if err == nil {
		defer s.Close()
		err = s.Start("whoami")
	}
	if err == nil {
		t.Error("a third session on one connection was let in with MaxConnSessions 2")
	}
	// Other connections are not affected.
	if out, _, code := h.runAs("bob", "whoami"); code != 0 || !strings.HasPrefix(out, "bob ") {
		t.Errorf("another connection: %d %q", code, out)
	}
}

// The cap is on sessions open at once, not on sessions ever opened: ssh
// with ControlMaster runs every command over one connection.
func TestSessionCapCountsOpenSessionsOnly(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.MaxConnSessions = 2 })
	c := h.dial("bob")
	for i := range 5 {
		if out, _, code := run(t, c, "whoami"); code != 0 || !strings.HasPrefix(out, "bob ") {
			t.Errorf("command %d, one after another on one connection: exit %d %q", i+1, code, out)
		}
	}
}

// A console whose client closes the session (keeping the connection, as
// a multiplexing client does) ends on the server.
func TestConsoleEndsWhenItsSessionCloses(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	c := h.dial("bob")
	p := openPTY(t, c, 100, 30, true, "")
	if _, ok := p.out.WaitFor(0, "SITREP", 5*time.Second); !ok {
		t.Fatal("no board")
	}
	p.sess.Close()
	if !eventually(3*time.Second, func() bool { return h.srv.Sessions() == 0 }) {
		t.Errorf("3s after the client closed its console session: Sessions() = %d", h.srv.Sessions())
	}
}

func TestPTYSizeIsClamped(t *testing.T) {
	t.Parallel()
	const maxW, maxH = 200, 60
	h := newHarness(t, func(c *Config) { c.MaxWidth, c.MaxHeight = maxW, maxH })
	c := h.dial("bob")
	p := openPTY(t, c, 10000, 10000, true, "")
	if _, ok := p.out.WaitFor(0, "SITREP", 5*time.Second); !ok {
		t.Fatalf("no board: %q", tail(p.out.String(), 300))
	}
	if _, ok := p.out.WaitFor(0, "help", 5*time.Second); !ok { // the footer
		t.Fatalf("no footer: %q", tail(p.out.String(), 300))
	}
	check := func(when string, out []byte) {
		t.Helper()
		maxCol, maxRow, rows := sshtest.Extent(out, maxW)
		t.Logf("%s: %d bytes, furthest column %d, row %d, header to column %d", when, len(out), maxCol, maxRow, rows[1])
		if maxCol > maxW || maxRow > maxH {
			t.Errorf("%s: output reaches column %d row %d; clamp is %d×%d", when, maxCol, maxRow, maxW, maxH)
		}
		if len(out) > 1<<20 {
			t.Errorf("%s: %d bytes of output", when, len(out))
		}
	}
	first := []byte(p.out.String())
	check("10000×10000", first)
	if _, _, rows := sshtest.Extent(first, maxW); rows[1] < maxW-10 {
		t.Errorf("the header line reaches column %d; want it laid out for %d columns", rows[1], maxW)
	}
	// A window change to an absurd size is clamped too. The console is
	// drawn whole at each new size (the screen cleared first), down to its
	// footer: first a small one, so that the clamped size is a change.
	// Waiting for the clearing, not only the footer, matters: a footer
	// redrawn for another reason could pass for the small size's, and a
	// second change sent before the first is seen would leave the size as
	// it was, with nothing to redraw.
	for _, size := range [][2]int{{24, 80}, {100000, 100000}} {
		mark := p.out.Len()
		if err := p.sess.WindowChange(size[0], size[1]); err != nil {
			t.Fatal(err)
		}
		cleared := -1
		redrawn := p.out.WaitUntil(5*time.Second, func(out []byte) bool {
			if cleared < 0 {
				if i := bytes.Index(out[mark:], []byte(ansi.EraseEntireScreen)); i >= 0 {
					cleared = mark + i
				}
			}
			return cleared >= 0 && sshtest.Contains(out[cleared:], "help")
		})
		if !redrawn {
			t.Fatalf("not redrawn after a window change to %d×%d (cleared at %d): %q", size[1], size[0], cleared, tail(p.out.String()[mark:], 600))
		}
	}
	check("after a window change to 100000×100000", []byte(p.out.String()))
	if out, _, code := h.runAs("vera", "whoami"); code != 0 || !strings.HasPrefix(out, "vera ") {
		t.Errorf("the server after a huge terminal: %d %q", code, out)
	}
	if n := h.srv.Sessions(); n != 1 {
		t.Errorf("Sessions() = %d, want the console", n)
	}
}

func TestKeyboardIdleTimeout(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.IdleTimeout = time.Second })
	c := h.dial("bob")
	idle := openPTY(t, c, 100, 30, true, "")
	typing := openPTY(t, h.dial("alice"), 100, 30, true, "")
	start := time.Now()
	stop := make(chan struct{})
	typed := make(chan struct{})
	go func() {
		defer close(typed)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := typing.stdin.Write([]byte("\x1b[B")); err != nil { // down arrow
					return
				}
			}
		}
	}()
	// The board redraws its clock every second; only keys count.
	idle.waitEnd(t, 6*time.Second)
	t.Logf("a console without keyboard input ended after %v", time.Since(start).Round(time.Millisecond))
	if out := idle.out.String(); !strings.Contains(out, "no keyboard input") {
		t.Errorf("the idle console was not told why it ended: %q", tail(out, 300))
	}
	if !strings.Contains(idle.out.String(), "SITREP") {
		t.Error("the idle console never showed the board")
	}
	// The console being typed into outlived it.
	if d := time.Since(start); d < 2500*time.Millisecond {
		time.Sleep(2500*time.Millisecond - d)
	}
	select {
	case <-typing.ended:
		t.Fatalf("a console with keyboard input ended after %v: %q", time.Since(start), tail(typing.out.String(), 300))
	default:
	}
	close(stop)
	<-typed
	stopped := time.Now()
	typing.waitEnd(t, 6*time.Second)
	t.Logf("once typing stopped, the console ended after %v", time.Since(stopped).Round(time.Millisecond))
	if !strings.Contains(typing.out.String(), "no keyboard input") {
		t.Errorf("the console was not told why it ended: %q", tail(typing.out.String(), 300))
	}
}

func TestMaxSessionTime(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.MaxSessionTime = time.Second })
	start := time.Now()
	p := openPTY(t, h.dial("bob"), 100, 30, true, "")
	c := h.dial("vera")
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := sess.Start("sleep"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("a command cut off by the maximum session time exited 0")
		}
		t.Logf("command ended after %v: %v", time.Since(start).Round(time.Millisecond), err)
	case <-time.After(5 * time.Second):
		t.Error("a command ran past the maximum session time of 1s by 5s")
	}
	p.waitEnd(t, 5*time.Second)
	t.Logf("console ended after %v: %q", time.Since(start).Round(time.Millisecond), tail(ansiFree(p.out.String()), 120))
}

func TestNeedsTerminal(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	c := h.dial("bob")
	_, errOut, code := run(t, c, "wall")
	if code != 1 || !strings.Contains(errOut, "wallboard needs a terminal; connect with ssh -t") {
		t.Errorf("wall without a terminal: exit %d %q", code, errOut)
	}
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	var stderr strings.Builder
	sess.Stderr = &stderr
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	err = sess.Wait()
	var exit *gossh.ExitError
	if !errors.As(err, &exit) || exit.ExitStatus() != 1 || !strings.Contains(stderr.String(), "console needs a terminal") {
		t.Errorf("the console without a terminal: %v %q", err, stderr.String())
	}
	// With a terminal, the wallboard runs.
	w := openPTY(t, c, 120, 40, true, "wall")
	if _, ok := w.out.WaitFor(0, "SITREP", 5*time.Second); !ok {
		t.Errorf("the wallboard on a terminal: %q", tail(w.out.String(), 300))
	}
	// A command on a terminal still runs as a command.
	o := openPTY(t, h.dial("vera"), 80, 24, true, "whoami")
	o.waitEnd(t, 5*time.Second)
	if !strings.Contains(o.out.String(), "vera viewer") {
		t.Errorf("whoami on a terminal: %q", o.out.String())
	}
}

func ansiFree(s string) string { return strings.Join(strings.Fields(ansi.Strip(s)), " ") }

// A session cut off at the maximum time is told why, and a command gets an
// exit status.
func TestMaxSessionTimeSaysWhy(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.MaxSessionTime = time.Second })
	p := openPTY(t, h.dial("bob"), 100, 30, true, "")
	_, _, code := run(t, h.dial("vera"), "sleep")
	if code != 124 {
		t.Errorf("a command cut off at the maximum time: exit %d, want its own status (124)", code)
	}
	p.waitEnd(t, 5*time.Second)
	if out := p.out.String(); !strings.Contains(out, "maximum time") {
		t.Errorf("the console was not told why it ended: %q", tail(out, 300))
	}
}

// MaxSessions caps sessions in all, not only connections.
func TestSessionLimitInAll(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.MaxSessions, c.MaxConnSessions = 2, 4 })
	c := h.dial("bob")
	for i := range 2 {
		s, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Start("sleep"); err != nil {
			t.Fatalf("session %d of 2: %v", i+1, err)
		}
	}
	if !eventually(5*time.Second, func() bool { return h.srv.Sessions() == 2 }) {
		t.Fatalf("Sessions() = %d, want 2", h.srv.Sessions())
	}
	_, errOut, code := run(t, c, "whoami")
	if code != 1 || !strings.Contains(errOut, "session limit") {
		t.Errorf("a third session with MaxSessions 2: exit %d %q", code, errOut)
	}
	if n := h.srv.Sessions(); n != 2 {
		t.Errorf("Sessions() = %d after a refused session, want 2", n)
	}
}

// A flood of unknown keys writes a bounded number of audit rows.
func TestRefusedKeyFloodIsBounded(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	start := time.Now()
	const n = 40
	for range n {
		k, _ := sshtest.NewKey(t)
		if _, err := h.dialWith(clientConfig(gossh.PublicKeys(k))); err == nil {
			t.Fatal("an unknown key was let in")
		}
	}
	elapsed := time.Since(start)
	rows := len(h.audit(func(e model.Event) bool { return e.Action == model.EvLoginRefused }))
	// 20 at once, then 5 a second.
	limit := 20 + int(5*elapsed.Seconds()) + 1
	t.Logf("%d distinct unknown keys in %v: %d audit rows (limit %d)", n, elapsed.Round(time.Millisecond), rows, limit)
	if rows > limit || rows < 20 {
		t.Errorf("%d login_refused rows for %d keys in %v; want between 20 and %d", rows, n, elapsed, limit)
	}
}

// A wallboard is never typed at: the keyboard idle timeout leaves it be,
// and the maximum session time still ends it.
func TestWallboardOutlivesTheIdleTimeout(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.IdleTimeout, c.MaxSessionTime = time.Second, 6*time.Second })
	wall := openPTY(t, h.dial("vera"), 100, 30, true, "wall")
	idle := openPTY(t, h.dial("bob"), 100, 30, true, "")
	// The console opened after the wall ends first, by the idle timeout.
	idle.waitEnd(t, 5*time.Second)
	if !strings.Contains(idle.out.String(), "no keyboard input") {
		t.Errorf("the idle console was not told why it ended: %q", tail(idle.out.String(), 300))
	}
	select {
	case <-wall.ended:
		t.Fatalf("the wallboard ended with the idle console: %q", tail(wall.out.String(), 300))
	default:
	}
	wall.waitEnd(t, 10*time.Second)
	if out := wall.out.String(); strings.Contains(out, "no keyboard input") {
		t.Errorf("the wallboard was ended by the idle timeout: %q", tail(out, 300))
	}
}
