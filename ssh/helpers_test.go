package ssh

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"sitrep/model"
	"sitrep/ssh/sshtest"
	"sitrep/store"
	"sitrep/ui"
)

// The team every harness starts with: one user per role, each with a key.
var team = []struct {
	name string
	role model.Role
}{
	{"olivia", model.Owner},
	{"alice", model.Admin},
	{"bob", model.Member},
	{"vera", model.Viewer},
}

// setupActor adds the team; it is a local owner, as `sitrep user add` is.
var setupActor = model.Actor{Name: "setup", Role: model.Owner, Source: "local:test@host"}

type harness struct {
	t       *testing.T
	st      *store.Store
	hub     *ui.Hub
	srv     *Server
	run     *running
	lis     *tunedListener
	cfg     Config
	addr    string
	hostKey []byte
	keys    map[string]gossh.Signer
	log     *sshtest.Buffer
	setup   func(*Server) // applied to each server before it serves
}

// running is a started server and what its Serve returned.
type running struct {
	srv      *Server
	served   chan struct{}
	serveErr error
	once     sync.Once
	stopErr  error
}

// newHarness opens a store with the team, a hub and a server on
// 127.0.0.1:0 configured by tweak; the test's cleanup shuts it down.
func newHarness(t *testing.T, tweak func(*Config)) *harness {
	t.Helper()
	return build(t, filepath.Join(t.TempDir(), "sitrep.db"), tweak, nil)
}

// newHarnessWith is newHarness with setup applied to the server before it
// serves, for the unexported test seams (wrapModel).
func newHarnessWith(t *testing.T, tweak func(*Config), setup func(*Server)) *harness {
	t.Helper()
	return build(t, filepath.Join(t.TempDir(), "sitrep.db"), tweak, setup)
}

// fillers is how many incidents newFilledHarness's board has.
const fillers = 120

var filler struct {
	once sync.Once
	dir  string
	err  error
}

// newFilledHarness is newHarness on a board of fillers P3 incidents with
// long titles, so that a full redraw of a large terminal is tens of
// kilobytes. The database is made once per test binary and copied.
func newFilledHarness(t *testing.T, tweak func(*Config)) *harness {
	t.Helper()
	filler.once.Do(func() {
		filler.dir, filler.err = os.MkdirTemp("", "sitrep-ssh-test-")
		if filler.err != nil {
			return
		}
		st, err := store.Open(context.Background(), filepath.Join(filler.dir, "sitrep.db"))
		if err != nil {
			filler.err = err
			return
		}
		defer st.Close()
		for i := range fillers {
			title := fmt.Sprintf("filler %03d ", i) + strings.Repeat("lorem ipsum dolor sit amet ", 7)
			if _, err := st.Declare(context.Background(), setupActor, model.Declaration{Title: title, Severity: "P3"}); err != nil {
				filler.err = err
				return
			}
		}
	})
	if filler.err != nil {
		t.Fatalf("filler database: %v", filler.err)
	}
	dst := filepath.Join(t.TempDir(), "sitrep.db")
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(filepath.Join(filler.dir, "sitrep.db"+suffix))
		if errors.Is(err, os.ErrNotExist) && suffix != "" {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return build(t, dst, tweak, nil)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if filler.dir != "" {
		os.RemoveAll(filler.dir)
	}
	os.Exit(code)
}

func build(t *testing.T, db string, tweak func(*Config), setup func(*Server)) *harness {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.OpenReaders(ctx); err != nil { // as serve does
		t.Fatal(err)
	}
	h := &harness{t: t, st: st, keys: map[string]gossh.Signer{}, log: sshtest.NewBuffer(), setup: setup}
	for _, u := range team {
		signer, authorized := sshtest.NewKey(t)
		if _, err := st.AddUser(ctx, setupActor, u.name, u.role, []string{authorized}); err != nil {
			t.Fatalf("add %s: %v", u.name, err)
		}
		h.keys[u.name] = signer
	}
	hctx, cancel := context.WithCancel(ctx)
	hub, err := ui.NewHub(hctx, st)
	if err != nil {
		cancel()
		t.Fatalf("hub: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		<-hub.Done()
	})
	h.hub = hub
	if h.hostKey, err = HostKey(filepath.Join(t.TempDir(), "hk")); err != nil {
		t.Fatalf("host key: %v", err)
	}
	h.cfg = Config{
		Store:   st,
		Hub:     hub,
		Exec:    testExec(st),
		HostKey: h.hostKey,
		Log:     slog.New(slog.NewTextHandler(h.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		// Every test connects from 127.0.0.1; only the rate-limit test
		// wants a limit.
		ConnRate:  1000,
		ConnBurst: 1000,
	}
	if tweak != nil {
		tweak(&h.cfg)
	}
	h.start()
	return h
}

// start starts a server on a new port; the test's cleanup stops it.
func (h *harness) start() {
	t := h.t
	t.Helper()
	srv, err := New(h.cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if h.setup != nil {
		h.setup(srv)
	}
	nl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	l := &tunedListener{Listener: nl}
	r := &running{srv: srv, served: make(chan struct{})}
	h.srv, h.run, h.addr, h.lis = srv, r, l.Addr().String(), l
	go func() {
		r.serveErr = srv.Serve(l)
		close(r.served)
	}()
	t.Cleanup(func() { h.stop(r) })
	// Wait until the server accepts: Shutdown before then is a known bug
	// (TestShutdownRightAfterServe).
	if err := awaitVersion(h.addr); err != nil {
		t.Fatalf("the server does not answer: %v", err)
	}
}

// tunedListener can give the next connection the server accepts a small
// kernel send buffer (smallSendBuffer): a client that stops reading then
// blocks the server's writes after kilobytes rather than megabytes, as
// loopback's autotuned buffers would otherwise absorb.
type tunedListener struct {
	net.Listener
	small atomic.Bool
}

// smallSendBuffer applies to the next connection accepted; only for a
// test that dials nothing else meanwhile.
func (l *tunedListener) smallSendBuffer() { l.small.Store(true) }

func (l *tunedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok && err == nil && l.small.CompareAndSwap(true, false) {
		tc.SetWriteBuffer(4096)
	}
	return c, err
}

// awaitVersion connects and reads the server's version line.
func awaitVersion(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line := make([]byte, 0, 64)
	b := make([]byte, 1)
	for len(line) < 255 {
		if _, err := c.Read(b); err != nil {
			return err
		}
		if b[0] == '\n' {
			break
		}
		line = append(line, b[0])
	}
	if !strings.HasPrefix(string(line), "SSH-2.0-") {
		return fmt.Errorf("version line %q", line)
	}
	return nil
}

// stop shuts a server down (once) and waits for Serve to return, failing
// the test if Serve returns an error or does not return.
func (h *harness) stop(r *running) error {
	r.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start := time.Now()
		r.stopErr = r.srv.Shutdown(ctx)
		if d := time.Since(start); d > time.Second {
			h.t.Logf("Shutdown took %v (%v)", d, r.stopErr)
		}
		select {
		case <-r.served:
			if r.serveErr != nil {
				h.t.Errorf("Serve returned %v after Shutdown; want nil", r.serveErr)
			}
		case <-time.After(5 * time.Second):
			h.t.Errorf("Serve did not return after Shutdown")
		}
	})
	return r.stopErr
}

func clientConfig(auth ...gossh.AuthMethod) *gossh.ClientConfig {
	return &gossh.ClientConfig{
		User:            "anyone",
		Auth:            auth,
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         5 * time.Second,
	}
}

// dialWith connects with a client config; the test's cleanup closes it.
func (h *harness) dialWith(cfg *gossh.ClientConfig) (*gossh.Client, error) {
	c, err := gossh.Dial("tcp", h.addr, cfg)
	if err != nil {
		return nil, err
	}
	h.t.Cleanup(func() { c.Close() })
	// A global request is answered only once the server has registered
	// the connection: a Shutdown racing a connection that has finished its
	// handshake but is not yet registered is a race in charm.land/ssh
	// (trackConn's connWg.Add after Shutdown's connWg.Wait).
	if _, _, err := c.SendRequest("ping@sitrep.test", true, nil); err != nil {
		c.Close()
		return nil, fmt.Errorf("ping: %w", err)
	}
	return c, nil
}

// dial connects as a team member.
func (h *harness) dial(user string) *gossh.Client {
	h.t.Helper()
	c, err := h.dialWith(clientConfig(gossh.PublicKeys(h.keys[user])))
	if err != nil {
		h.t.Fatalf("dial as %s: %v", user, err)
	}
	return c
}

// run runs one command in a new session and returns its output and exit
// status (-1: the session ended without one).
func run(t testing.TB, c *gossh.Client, cmd string) (stdout, stderr string, code int) {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Errorf("new session for %q: %v", cmd, err)
		return "", "", -1
	}
	defer sess.Close()
	var out, errOut bytes.Buffer
	sess.Stdout, sess.Stderr = &out, &errOut
	err = sess.Run(cmd)
	var exit *gossh.ExitError
	switch {
	case err == nil:
		code = 0
	case errors.As(err, &exit):
		code = exit.ExitStatus()
	default:
		t.Logf("run %q: %v", cmd, err)
		code = -1
	}
	return out.String(), errOut.String(), code
}

// runAs dials as user and runs one command.
func (h *harness) runAs(user, cmd string) (string, string, int) {
	h.t.Helper()
	c := h.dial(user)
	defer c.Close()
	return run(h.t, c, cmd)
}

// ptySession is a console session on a pseudo-terminal; its output is
// copied into out (unless it was opened not to read).
type ptySession struct {
	sess   *gossh.Session
	stdin  io.WriteCloser
	stdout io.Reader // read into out unless the session was opened not to
	out    *sshtest.Buffer
	ended  chan struct{} // closed when the session has ended
	err    error         // the session's end, once ended is closed
}

// openPTY starts a session on a w×h terminal with args as its command
// (none: the console). With read false nobody reads its output, so the
// server's window onto it fills. Only for the test's own goroutine.
func openPTY(t testing.TB, c *gossh.Client, w, h int, read bool, args string) *ptySession {
	t.Helper()
	p, err := startPTY(t, c, w, h, read, args)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// startPTY is openPTY for any goroutine.
func startPTY(t testing.TB, c *gossh.Client, w, h int, read bool, args string) (*ptySession, error) {
	sess, err := c.NewSession()
	if err != nil {
		return nil, fmt.Errorf("new session: %w", err)
	}
	t.Cleanup(func() { sess.Close() })
	modes := gossh.TerminalModes{gossh.ECHO: 0, gossh.TTY_OP_ISPEED: 14400, gossh.TTY_OP_OSPEED: 14400}
	if err := sess.RequestPty("xterm-256color", h, w, modes); err != nil {
		return nil, fmt.Errorf("request pty: %w", err)
	}
	// Keep stdin open: a closed stdin is a client that has gone.
	stdin, err := sess.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p := &ptySession{sess: sess, stdin: stdin, stdout: stdout, out: sshtest.NewBuffer(), ended: make(chan struct{})}
	sess.Stderr = p.out
	if args == "" {
		err = sess.Shell()
	} else {
		err = sess.Start(args)
	}
	if err != nil {
		return nil, fmt.Errorf("start %q: %w", args, err)
	}
	copied := make(chan struct{})
	if read {
		go func() {
			defer close(copied)
			io.Copy(p.out, stdout)
		}()
	} else {
		close(copied)
	}
	go func() {
		p.err = sess.Wait()
		<-copied
		close(p.ended)
	}()
	return p, nil
}

// waitEnd waits for the session to end and returns how it ended.
func (p *ptySession) waitEnd(t testing.TB, timeout time.Duration) error {
	t.Helper()
	select {
	case <-p.ended:
		return p.err
	case <-time.After(timeout):
		t.Fatalf("the session did not end within %s; output: %q", timeout, tail(p.out.String(), 400))
		return nil
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// testExec stands in for cmd/sitrep's command tree: a few commands run
// against the store as the session's actor.
func testExec(st *store.Store) Exec {
	return func(ctx context.Context, actor model.Actor, args []string, in io.Reader, out, errOut io.Writer) int {
		fail := func(err error) int {
			fmt.Fprintf(errOut, "sitrep: %v\n", err)
			return 1
		}
		need := func(n int) bool {
			if len(args) != n+1 {
				fmt.Fprintf(errOut, "sitrep: %s takes %d arguments\n", args[0], n)
				return false
			}
			return true
		}
		ref := func(s string) (int64, error) { return model.ParseRef(s) }
		switch args[0] {
		case "whoami":
			fmt.Fprintf(out, "%s %s %s\n", actor.Name, actor.Role, actor.Source)
		case "list":
			incs, err := st.Incidents(ctx, false)
			if err != nil {
				return fail(err)
			}
			for _, inc := range incs {
				fmt.Fprintln(out, inc.Ref())
			}
		case "declare":
			if !need(2) {
				return 2
			}
			inc, err := st.Declare(ctx, actor, model.Declaration{Title: args[1], Severity: model.Severity(args[2])})
			if err != nil {
				return fail(err)
			}
			fmt.Fprintln(out, inc.Ref())
		case "assign":
			if !need(2) {
				return 2
			}
			id, err := ref(args[1])
			if err != nil {
				return fail(err)
			}
			if _, err := st.Assign(ctx, actor, id, args[2]); err != nil {
				return fail(err)
			}
		case "sev":
			if !need(2) {
				return 2
			}
			id, err := ref(args[1])
			if err != nil {
				return fail(err)
			}
			if _, err := st.SetSeverity(ctx, actor, id, model.Severity(args[2]), ""); err != nil {
				return fail(err)
			}
		case "user-add":
			if !need(1) {
				return 2
			}
			if _, err := st.AddUser(ctx, actor, args[1], model.Member, nil); err != nil {
				return fail(err)
			}
		case "cat":
			io.Copy(out, in)
		case "flood": // writes until it cannot
			chunk := bytes.Repeat([]byte("flood "), 10<<10)
			for {
				if _, err := out.Write(chunk); err != nil {
					return 1
				}
			}
		case "panic":
			panic("test panic in exec")
		case "sleep":
			<-ctx.Done()
			return 124
		default:
			fmt.Fprintf(errOut, "sitrep: unknown command %q\n", args[0])
			return 2
		}
		return 0
	}
}

// audit is the store's audit log, filtered.
func (h *harness) audit(keep func(model.Event) bool) []model.Event {
	h.t.Helper()
	evs, err := h.st.Audit(context.Background(), time.Time{})
	if err != nil {
		h.t.Fatalf("audit: %v", err)
	}
	var out []model.Event
	for _, e := range evs {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

// eventually retries cond every 20ms until it holds or timeout passes.
func eventually(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}
