package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"
)

// This file is a harness for end-to-end tests of the real command line
// served over SSH: users added with `sitrep user add`, the server started
// with `sitrep serve` in this process, clients dialled with x/crypto/ssh.
// (The ssh package has its own harness; test helpers cannot be imported
// across packages, so what is needed is repeated here.)

// harnessBuffer is a bytes.Buffer safe for concurrent use that tells
// waiters when something was written.
type harnessBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{}
}

func newHarnessBuffer() *harnessBuffer { return &harnessBuffer{changed: make(chan struct{})} }

func (s *harnessBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.b.Write(p)
	close(s.changed)
	s.changed = make(chan struct{})
	return n, err
}

func (s *harnessBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *harnessBuffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}

// snapshot is the contents and a channel closed at the next write.
func (s *harnessBuffer) snapshot() ([]byte, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes()), s.changed
}

// harnessContains reports whether terminal output holds text, as written
// or with escape sequences removed.
func harnessContains(out []byte, text string) bool {
	return bytes.Contains(out, []byte(text)) || strings.Contains(ansi.Strip(string(out)), text)
}

// waitFor waits until the buffer, from byte offset from on, holds text
// (see harnessContains), and reports whether it did within timeout.
func (s *harnessBuffer) waitFor(from int, text string, timeout time.Duration) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		out, changed := s.snapshot()
		if from < len(out) && harnessContains(out[from:], text) {
			return true
		}
		select {
		case <-changed:
		case <-deadline.C:
			return false
		}
	}
}

// waitQuiet waits until nothing has been written for quiet (or timeout
// passes): the screen has settled.
func (s *harnessBuffer) waitQuiet(quiet, timeout time.Duration) {
	end := time.Now().Add(timeout)
	for time.Now().Before(end) {
		_, changed := s.snapshot()
		select {
		case <-changed:
		case <-time.After(quiet):
			return
		}
	}
}

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
	errOut *harnessBuffer // the server's log
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
	dir := t.TempDir()
	h := &sshHarness{t: t, db: filepath.Join(dir, "sitrep.db"), keys: map[string]gossh.Signer{}, errOut: newHarnessBuffer()}
	for _, u := range users {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		signer, err := gossh.NewSignerFromKey(priv)
		if err != nil {
			t.Fatal(err)
		}
		pub := filepath.Join(dir, u.name+".pub")
		line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(signer.PublicKey()))) + " " + u.name + "@harness\n"
		if err := os.WriteFile(pub, []byte(line), 0o644); err != nil {
			t.Fatal(err)
		}
		h.local("user", "add", u.name, "--role", u.role, "--key-file", pub)
		h.keys[u.name] = signer
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan int, 1)
	var out bytes.Buffer
	go func() {
		h.done <- execute(ctx, config{in: strings.NewReader(""), out: &out, errOut: h.errOut},
			[]string{"--db", h.db, "serve", "--listen", "127.0.0.1:0", "--host-key", filepath.Join(dir, "host_key"),
				"--conn-rate", "1000", "--conn-burst", "1000"})
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
	out   *harnessBuffer
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
	p := &harnessPTY{sess: sess, stdin: stdin, out: newHarnessBuffer(), ended: make(chan struct{})}
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
	if !p.out.waitFor(from, text, timeout) {
		t.Fatalf("%q did not appear within %v; output ends %q", text, timeout, tailString(ansi.Strip(p.out.String()), 800))
	}
}

func tailString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// harnessExtent follows the cursor through output written for a terminal
// w columns wide and reports the furthest column and row any glyph was
// printed at or the cursor was sent to (1-based). (As the ssh package's
// extent, which it cannot share.)
func harnessExtent(out []byte, w int) (maxCol, maxRow int) {
	row, col := 1, 1
	savedRow, savedCol := 1, 1
	var last rune = ' '
	note := func(r, c int) { maxCol, maxRow = max(maxCol, c), max(maxRow, r) }
	print := func(ch rune) {
		cw := ansi.StringWidth(string(ch))
		if cw == 0 {
			return
		}
		if col+cw-1 > w { // autowrap, as a terminal does
			row, col = row+1, 1
		}
		note(row, col+cw-1)
		col += cw
		last = ch
	}
	move := func(r, c int) {
		row, col = max(1, r), max(1, c)
		note(row, col)
	}
	for i := 0; i < len(out); {
		b := out[i]
		switch {
		case b == 0x1b && i+1 < len(out):
			i++
			switch out[i] {
			case '[':
				i++
				start := i
				for i < len(out) && (out[i] < 0x40 || out[i] > 0x7e) {
					i++
				}
				if i >= len(out) {
					return
				}
				params, final := string(out[start:i]), out[i]
				i++
				if strings.ContainsAny(params, "?<>=") {
					continue
				}
				var ns []int
				for _, p := range strings.Split(params, ";") {
					n := 0
					fmt.Sscanf(p, "%d", &n)
					ns = append(ns, n)
				}
				arg := func(k, def int) int {
					if k < len(ns) && ns[k] > 0 {
						return ns[k]
					}
					return def
				}
				switch final {
				case 'H', 'f':
					move(arg(0, 1), arg(1, 1))
				case 'A':
					move(row-arg(0, 1), col)
				case 'B':
					move(row+arg(0, 1), col)
				case 'C':
					move(row, col+arg(0, 1))
				case 'D':
					move(row, col-arg(0, 1))
				case 'E':
					move(row+arg(0, 1), 1)
				case 'F':
					move(row-arg(0, 1), 1)
				case 'G', '`':
					move(row, arg(0, 1))
				case 'd':
					move(arg(0, 1), col)
				case 'b':
					for range arg(0, 1) {
						print(last)
					}
				case 'r':
					move(1, 1)
				case 's':
					savedRow, savedCol = row, col
				case 'u':
					row, col = savedRow, savedCol
				}
			case ']', 'P', '_', '^', 'X': // strings up to BEL or ST
				i++
				for i < len(out) && out[i] != 0x07 && !(out[i] == 0x1b && i+1 < len(out) && out[i+1] == '\\') {
					i++
				}
				if i < len(out) && out[i] == 0x07 {
					i++
				} else {
					i += 2
				}
			case '7':
				savedRow, savedCol = row, col
				i++
			case '8':
				row, col = savedRow, savedCol
				i++
			case 'D':
				move(row+1, col)
				i++
			case 'E':
				move(row+1, 1)
				i++
			case 'M':
				move(row-1, col)
				i++
			case '(', ')', '*', '+', '#', ' ':
				i += 2
			default:
				i++
			}
		case b == '\r':
			col = 1
			i++
		case b == '\n':
			move(row+1, col)
			i++
		case b == '\b':
			col = max(1, col-1)
			i++
		case b == '\t':
			move(row, (col-1)/8*8+9)
			i++
		case b < 0x20 || b == 0x7f:
			i++
		default:
			r, n := utf8.DecodeRune(out[i:])
			print(r)
			i += n
		}
	}
	return
}

// harnessScreen is a small terminal emulator, enough for what the
// console's renderer sends: cursor moves, erases, scrolling regions,
// insert and delete, repeat, autowrap. It turns a raw byte stream into the
// text a user would see, so a test can wait for what is on screen however
// the renderer chose to draw it (it redraws only the cells that change).
type harnessScreen struct {
	w, h               int
	cells              [][]rune // 0: blank; -1: the right half of a wide rune
	row, col           int      // 0-based
	top, bot           int      // scrolling region, 0-based, inclusive
	wrapNext           bool     // printed in the last column; the next glyph wraps
	noWrap             bool     // DECAWM off
	savedRow, savedCol int
	last               rune
}

func newHarnessScreen(w, h int) *harnessScreen {
	s := &harnessScreen{w: w, h: h, top: 0, bot: h - 1, last: ' '}
	s.cells = make([][]rune, h)
	for i := range s.cells {
		s.cells[i] = make([]rune, w)
	}
	return s
}

// harnessRender plays out into a w×h screen and returns its text.
func harnessRender(out []byte, w, h int) string {
	s := newHarnessScreen(w, h)
	s.write(out)
	return s.text()
}

func (s *harnessScreen) text() string {
	var b strings.Builder
	for i, line := range s.cells {
		if i > 0 {
			b.WriteByte('\n')
		}
		var l strings.Builder
		for _, r := range line {
			switch r {
			case 0:
				l.WriteByte(' ')
			case -1:
			default:
				l.WriteRune(r)
			}
		}
		b.WriteString(strings.TrimRight(l.String(), " "))
	}
	return b.String()
}

func (s *harnessScreen) clampCursor() {
	s.row = min(max(s.row, 0), s.h-1)
	s.col = min(max(s.col, 0), s.w-1)
	s.wrapNext = false
}

func (s *harnessScreen) blankRow() []rune { return make([]rune, s.w) }

// scrollUp moves the region's lines up n, blank lines in at the bottom.
func (s *harnessScreen) scrollUp(top, n int) {
	for range n {
		copy(s.cells[top:s.bot+1], s.cells[top+1:s.bot+1])
		s.cells[s.bot] = s.blankRow()
	}
}

// scrollDown moves the region's lines from top down n.
func (s *harnessScreen) scrollDown(top, n int) {
	for range n {
		copy(s.cells[top+1:s.bot+1], s.cells[top:s.bot])
		s.cells[top] = s.blankRow()
	}
}

func (s *harnessScreen) lineFeed() {
	s.wrapNext = false
	if s.row == s.bot {
		s.scrollUp(s.top, 1)
		return
	}
	if s.row < s.h-1 {
		s.row++
	}
}

func (s *harnessScreen) print(r rune) {
	cw := ansi.StringWidth(string(r))
	if cw == 0 {
		return
	}
	if s.wrapNext && !s.noWrap {
		s.col = 0
		s.lineFeed()
	}
	s.wrapNext = false
	if s.col+cw > s.w {
		if s.noWrap {
			s.col = s.w - cw
		} else {
			s.col = 0
			s.lineFeed()
		}
	}
	s.cells[s.row][s.col] = r
	if cw == 2 && s.col+1 < s.w {
		s.cells[s.row][s.col+1] = -1
	}
	s.last = r
	if s.col+cw >= s.w {
		s.col = s.w - 1
		s.wrapNext = true
	} else {
		s.col += cw
	}
}

func (s *harnessScreen) erase(row, from, to int) {
	for c := max(0, from); c < min(to, s.w); c++ {
		s.cells[row][c] = 0
	}
}

func (s *harnessScreen) write(out []byte) int {
	for i := 0; i < len(out); {
		b := out[i]
		switch {
		case b == 0x1b:
			if i+1 >= len(out) {
				return i
			}
			next := s.escape(out, i+1)
			if next < 0 {
				return i // incomplete: wait for the rest
			}
			i = next
		case b == '\r':
			s.col, s.wrapNext = 0, false
			i++
		case b == '\n' || b == '\v' || b == '\f':
			s.lineFeed()
			i++
		case b == '\b':
			s.col, s.wrapNext = max(0, s.col-1), false
			i++
		case b == '\t':
			s.col, s.wrapNext = min(s.w-1, (s.col/8+1)*8), false
			i++
		case b < 0x20 || b == 0x7f:
			i++
		default:
			if !utf8.FullRune(out[i:]) {
				return i
			}
			r, n := utf8.DecodeRune(out[i:])
			s.print(r)
			i += n
		}
	}
	return len(out)
}

// escape handles the sequence after ESC at out[i] and returns where the
// next one starts, or -1 if out ends before it does.
func (s *harnessScreen) escape(out []byte, i int) int {
	switch out[i] {
	case '[':
		return s.csi(out, i+1)
	case ']', 'P', '_', '^', 'X': // strings up to BEL or ST
		i++
		for i < len(out) && out[i] != 0x07 && !(out[i] == 0x1b && i+1 < len(out) && out[i+1] == '\\') {
			i++
		}
		switch {
		case i >= len(out) || out[i] == 0x1b && i+1 >= len(out):
			return -1
		case out[i] == 0x07:
			return i + 1
		}
		return i + 2
	case '7':
		s.savedRow, s.savedCol = s.row, s.col
	case '8':
		s.row, s.col = s.savedRow, s.savedCol
		s.clampCursor()
	case 'D':
		s.lineFeed()
	case 'E':
		s.col = 0
		s.lineFeed()
	case 'M':
		s.wrapNext = false
		if s.row == s.top {
			s.scrollDown(s.top, 1)
		} else if s.row > 0 {
			s.row--
		}
	case 'c':
		*s = *newHarnessScreen(s.w, s.h)
	case '(', ')', '*', '+', '#', ' ', '%':
		if i+1 >= len(out) {
			return -1
		}
		return i + 2
	}
	return i + 1
}

func (s *harnessScreen) csi(out []byte, i int) int {
	start := i
	for i < len(out) && out[i] >= 0x30 && out[i] <= 0x3f {
		i++
	}
	params := string(out[start:i])
	inter := i
	for i < len(out) && out[i] >= 0x20 && out[i] <= 0x2f {
		i++
	}
	if i >= len(out) {
		return -1
	}
	final := out[i]
	i++
	if i-1 > inter { // intermediates: requests such as DECRQM; nothing drawn
		return i
	}
	if params != "" && strings.ContainsAny(params[:1], "?<>=") {
		if params[0] == '?' && (final == 'h' || final == 'l') {
			for _, p := range strings.Split(params[1:], ";") {
				switch p {
				case "7":
					s.noWrap = final == 'l'
				case "1049", "47", "1047":
					for r := range s.cells {
						s.cells[r] = s.blankRow()
					}
				}
			}
		}
		return i
	}
	var ns []int
	for _, p := range strings.Split(params, ";") {
		n := 0
		fmt.Sscanf(p, "%d", &n)
		ns = append(ns, n)
	}
	arg := func(k, def int) int {
		if k < len(ns) && ns[k] > 0 {
			return ns[k]
		}
		return def
	}
	raw := func(k int) int {
		if k < len(ns) {
			return ns[k]
		}
		return 0
	}
	switch final {
	case 'H', 'f':
		s.row, s.col = arg(0, 1)-1, arg(1, 1)-1
		s.clampCursor()
	case 'A':
		s.row -= arg(0, 1)
		s.clampCursor()
	case 'B':
		s.row += arg(0, 1)
		s.clampCursor()
	case 'C':
		s.col += arg(0, 1)
		s.clampCursor()
	case 'D':
		s.col -= arg(0, 1)
		s.clampCursor()
	case 'E':
		s.row, s.col = s.row+arg(0, 1), 0
		s.clampCursor()
	case 'F':
		s.row, s.col = s.row-arg(0, 1), 0
		s.clampCursor()
	case 'G', '`':
		s.col = arg(0, 1) - 1
		s.clampCursor()
	case 'd':
		s.row = arg(0, 1) - 1
		s.clampCursor()
	case 'b':
		for range arg(0, 1) {
			s.print(s.last)
		}
	case 'X':
		s.erase(s.row, s.col, s.col+arg(0, 1))
	case 'K':
		switch raw(0) {
		case 0:
			s.erase(s.row, s.col, s.w)
		case 1:
			s.erase(s.row, 0, s.col+1)
		case 2:
			s.erase(s.row, 0, s.w)
		}
	case 'J':
		switch raw(0) {
		case 0:
			s.erase(s.row, s.col, s.w)
			for r := s.row + 1; r < s.h; r++ {
				s.cells[r] = s.blankRow()
			}
		case 1:
			s.erase(s.row, 0, s.col+1)
			for r := 0; r < s.row; r++ {
				s.cells[r] = s.blankRow()
			}
		case 2, 3:
			for r := range s.cells {
				s.cells[r] = s.blankRow()
			}
		}
	case 'r':
		top, bot := arg(0, 1)-1, arg(1, s.h)-1
		if top < bot && bot < s.h {
			s.top, s.bot = top, bot
		}
		s.row, s.col, s.wrapNext = 0, 0, false
	case 'S':
		s.scrollUp(s.top, arg(0, 1))
	case 'T':
		s.scrollDown(s.top, arg(0, 1))
	case 'L':
		if s.row >= s.top && s.row <= s.bot {
			s.scrollDown(s.row, arg(0, 1))
		}
	case 'M':
		if s.row >= s.top && s.row <= s.bot {
			s.scrollUp(s.row, arg(0, 1))
		}
	case '@':
		n := min(arg(0, 1), s.w-s.col)
		line := s.cells[s.row]
		copy(line[s.col+n:], line[s.col:])
		s.erase(s.row, s.col, s.col+n)
	case 'P':
		n := min(arg(0, 1), s.w-s.col)
		line := s.cells[s.row]
		copy(line[s.col:], line[s.col+n:])
		s.erase(s.row, s.w-n, s.w)
	case 's':
		s.savedRow, s.savedCol = s.row, s.col
	case 'u':
		s.row, s.col = s.savedRow, s.savedCol
		s.clampCursor()
	}
	return i
}

// screen is what the terminal shows now, for a w×h terminal.
func (p *harnessPTY) screen(w, h int) string {
	out, _ := p.out.snapshot()
	return harnessRender(out, w, h)
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
	scr := newHarnessScreen(w, h)
	fed := 0
	for {
		out, changed := p.out.snapshot()
		fed += scr.write(out[fed:])
		text := scr.text()
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
