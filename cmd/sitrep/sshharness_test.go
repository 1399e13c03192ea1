package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"sitrep/ssh/sshtest"
)

// This file is a harness for end-to-end tests of the real command line
// served over SSH: users added with `sitrep user add`, the server started
// with `sitrep serve` in this process, clients dialled with x/crypto/ssh.
// (The ssh package has its own harness; what both need to read a
// terminal's output is in sitrep/ssh/sshtest.)

// harnessUser is a user the harness adds, with a key it holds.
type harnessUser struct {
	name, role string
}

// sshHarness is `sitrep serve` running in this process on a database of
// its own, with users added by `sitrep user add`.
type sshHarness struct {
	t      *testing.T
	db     string
	addr   string
	keys   map[string]gossh.Signer
	errOut *sshtest.Buffer // the server's log
	cancel context.CancelFunc
	done   chan int
}

var harnessAddr = regexp.MustCompile(`addr=(127\.0\.0\.1:\d+)`)

// local runs one command line on the server's own machine (as its
// owner) and fails the test unless it succeeds.
func (h *sshHarness) local(args ...string) string {
	h.t.Helper()
	var out, errOut bytes.Buffer
	code := execute(context.Background(), config{in: strings.NewReader(""), out: &out, errOut: &errOut},
		append([]string{"--db", h.db, "--as", "harness-setup"}, args...))
	if code != 0 {
		h.t.Fatalf("sitrep %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
	}
	return out.String()
}

// newSSHHarness adds users (each with a new ed25519 key) and serves the
// database over SSH on 127.0.0.1; the test's cleanup stops the server.
func newSSHHarness(t *testing.T, users ...harnessUser) *sshHarness {
	t.Helper()
	return newSSHHarnessFlags(t, nil, users...)
}

// newSSHHarnessFlags is newSSHHarness with more `serve` flags.
func newSSHHarnessFlags(t *testing.T, flags []string, users ...harnessUser) *sshHarness {
	t.Helper()
	dir := t.TempDir()
	h := &sshHarness{t: t, db: filepath.Join(dir, "sitrep.db"), keys: map[string]gossh.Signer{}, errOut: sshtest.NewBuffer()}
	for _, u := range users {
		signer, key := sshtest.NewKey(t)
		pub := filepath.Join(dir, u.name+".pub")
		line := strings.TrimSpace(key) + " " + u.name + "@harness\n"
		if err := os.WriteFile(pub, []byte(line), 0o644); err != nil {
			t.Fatal(err)
		}
		h.local("user", "add", u.name, "--role", u.role, "--key-file", pub)
		h.keys[u.name] = signer
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan int, 1)
	var out bytes.Buffer
	serve := append([]string{"--db", h.db, "serve", "--listen", "127.0.0.1:0", "--host-key", filepath.Join(dir, "host_key"),
		"--conn-rate", "1000", "--conn-burst", "1000"}, flags...)
	go func() {
		h.done <- execute(ctx, config{in: strings.NewReader(""), out: &out, errOut: h.errOut}, serve)
	}()
	t.Cleanup(h.stop)
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m := harnessAddr.FindStringSubmatch(h.errOut.String()); m != nil {
			h.addr = m[1]
			break
		}
		select {
		case code := <-h.done:
			t.Fatalf("sitrep serve exited %d before listening: %s", code, h.errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("sitrep serve did not log its address within 20s: %s", h.errOut.String())
		}
	}
	return h
}

// stop ends the server and waits for serve to return.
func (h *sshHarness) stop() {
	h.cancel()
	select {
	case code := <-h.done:
		if code != 0 {
			h.t.Errorf("sitrep serve exited %d: %s", code, tailString(h.errOut.String(), 2000))
		}
	case <-time.After(20 * time.Second):
		h.t.Errorf("sitrep serve did not stop within 20s of its context ending")
	}
}

// dial connects as a user; the test's cleanup closes the connection.
func (h *sshHarness) dial(user string) *gossh.Client {
	h.t.Helper()
	signer, ok := h.keys[user]
	if !ok {
		h.t.Fatalf("no user %s in the harness", user)
	}
	c, err := gossh.Dial("tcp", h.addr, &gossh.ClientConfig{
		User:            user,
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         10 * time.Second,
	})
	if err != nil {
		h.t.Fatalf("dial as %s: %v", user, err)
	}
	h.t.Cleanup(func() { c.Close() })
	return c
}

// harnessResult is what one exec session printed and how it ended.
type harnessResult struct {
	stdout, stderr string
	code           int // -1: the session ended without an exit status
}

// harnessRun runs a command line (quoted as for a shell) on c, with stdin
// as its input when not nil.
func harnessRun(t testing.TB, c *gossh.Client, cmd string, stdin io.Reader) harnessResult {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("new session for %.60q: %v", cmd, err)
	}
	defer sess.Close()
	var out, errOut bytes.Buffer
	sess.Stdout, sess.Stderr = &out, &errOut
	if stdin != nil {
		sess.Stdin = stdin
	}
	done := make(chan error, 1)
	go func() { done <- sess.Run(cmd) }()
	var runErr error
	select {
	case runErr = <-done:
	case <-time.After(3 * time.Minute):
		sess.Close()
		t.Fatalf("%.60q did not finish within 3 minutes", cmd)
	}
	r := harnessResult{stdout: out.String(), stderr: errOut.String()}
	var exit *gossh.ExitError
	switch {
	case runErr == nil:
	case errors.As(runErr, &exit):
		r.code = exit.ExitStatus()
	default:
		t.Logf("run %.60q: %v", cmd, runErr)
		r.code = -1
	}
	return r
}

// harnessQuote quotes words for the server's shell-like splitting: each in
// single quotes; a quote inside closes the quoting, adds an escaped
// quote and opens it again.
func harnessQuote(words ...string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

// harnessPTY is a session on a pseudo-terminal whose whole output is
// copied into out.
type harnessPTY struct {
	sess  *gossh.Session
	stdin io.WriteCloser
	out   *sshtest.Buffer
	ended chan struct{}
	err   error
}

// openHarnessPTY starts a w×h terminal session with command cmd ("": the
// console).
func openHarnessPTY(t testing.TB, c *gossh.Client, w, h int, cmd string) *harnessPTY {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	t.Cleanup(func() { sess.Close() })
	modes := gossh.TerminalModes{gossh.ECHO: 0, gossh.TTY_OP_ISPEED: 14400, gossh.TTY_OP_OSPEED: 14400}
	if err := sess.RequestPty("xterm-256color", h, w, modes); err != nil {
		t.Fatalf("request pty: %v", err)
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &harnessPTY{sess: sess, stdin: stdin, out: sshtest.NewBuffer(), ended: make(chan struct{})}
	sess.Stderr = p.out
	if cmd == "" {
		err = sess.Shell()
	} else {
		err = sess.Start(cmd)
	}
	if err != nil {
		t.Fatalf("start %q: %v", cmd, err)
	}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		io.Copy(p.out, stdout)
	}()
	go func() {
		p.err = sess.Wait()
		<-copied
		close(p.ended)
	}()
	return p
}

// send types keys (raw bytes) into the terminal.
func (p *harnessPTY) send(t testing.TB, keys string) {
	t.Helper()
	if _, err := io.WriteString(p.stdin, keys); err != nil {
		t.Fatalf("typing %q: %v", keys, err)
	}
}

// expect waits for text to appear in the output after byte offset from.
func (p *harnessPTY) expect(t testing.TB, from int, text string, timeout time.Duration) {
	t.Helper()
	if _, ok := p.out.WaitFor(from, text, timeout); !ok {
		t.Fatalf("%q did not appear within %v; output ends %q", text, timeout, tailString(ansi.Strip(p.out.String()), 800))
	}
}

func tailString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// screen is what the terminal shows now, for a w×h terminal.
func (p *harnessPTY) screen(w, h int) string {
	out, _ := p.out.Snapshot()
	return sshtest.Render(out, w, h)
}

// waitScreen waits until the w×h screen shows every one of texts.
func (p *harnessPTY) waitScreen(w, h int, timeout time.Duration, texts ...string) (string, bool) {
	return p.waitScreenFunc(w, h, timeout, func(scr string) bool {
		for _, t := range texts {
			if !strings.Contains(scr, t) {
				return false
			}
		}
		return true
	})
}

// expectScreen is waitScreen that fails the test.
func (p *harnessPTY) expectScreen(t testing.TB, w, h int, timeout time.Duration, texts ...string) string {
	t.Helper()
	scr, ok := p.waitScreen(w, h, timeout, texts...)
	if !ok {
		t.Fatalf("the %d×%d screen did not show %q within %v; it shows:\n%s", w, h, texts, timeout, scr)
	}
	return scr
}

// waitScreenFunc waits until ok holds for the w×h screen. It plays the
// output into one screen as it arrives, looking at most every 20 ms.
func (p *harnessPTY) waitScreenFunc(w, h int, timeout time.Duration, ok func(string) bool) (string, bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	scr := sshtest.NewScreen(w, h)
	fed := 0
	for {
		out, changed := p.out.Snapshot()
		fed += scr.Write(out[fed:])
		text := scr.Text()
		if ok(text) {
			return text, true
		}
		select {
		case <-changed:
		case <-deadline.C:
			return text, false
		}
		time.Sleep(20 * time.Millisecond)
	}
}
