package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

// viewer is one console session: a connection of its own with a PTY and a
// shell, whose output is read all the time, counted and searched for the
// current change's marker.
type viewer struct {
	i      int
	client *ssh.Client
	sess   *ssh.Session
	stdin  io.WriteCloser

	start     time.Time    // when the dial began
	firstText atomic.Int64 // ns from start to the first printed text (not just escapes); 0 before
	bytes     atomic.Int64
	opened    bool // the shell started
	dead      atomic.Bool
	closing   atomic.Bool
	readDone  chan struct{}
	probe     atomic.Pointer[probe] // what this session's next keystroke should show

	stderr capped // what the server wrote to stderr, for the error if it ends the session

	mu  sync.Mutex
	err error // why it failed or died
}

// capped keeps the first 512 bytes written to it.
type capped struct {
	mu  sync.Mutex
	buf []byte
}

func (c *capped) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf = append(c.buf, p[:min(len(p), max(0, 512-len(c.buf)))]...)
	return len(p), nil
}

func (c *capped) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.TrimSpace(string(c.buf))
}

// change is one write whose marker every viewer should see.
type change struct {
	nonce     string
	t0        time.Time
	seen      []atomic.Int64 // unix ns when viewer i first showed the marker; 0 not yet; -1 gone
	remaining atomic.Int64
	done      chan struct{}
}

func newChange(nonce string, n int) *change {
	c := &change{nonce: nonce, seen: make([]atomic.Int64, n), done: make(chan struct{})}
	c.remaining.Store(int64(n))
	if n == 0 {
		close(c.done)
	}
	return c
}

// mark records viewer i's first sight of the marker (at > 0) or that it
// will never see it (at = -1); the first call per viewer counts.
func (c *change) mark(i int, at int64) {
	if c.seen[i].CompareAndSwap(0, at) && c.remaining.Add(-1) == 0 {
		close(c.done)
	}
}

// probe is one keystroke's expected echo on one session.
type probe struct {
	marker string
	seen   atomic.Int64 // unix ns of the first sight; 0 not yet; -1 gone
	done   chan struct{}
}

func newProbe(marker string) *probe { return &probe{marker: marker, done: make(chan struct{})} }

func (p *probe) mark(at int64) {
	if p.seen.CompareAndSwap(0, at) {
		close(p.done)
	}
}

type dialer struct {
	addr          string
	cfg           *ssh.ClientConfig
	width, height int
	current       *atomic.Pointer[change]
	dump          string // file for the raw stream of viewer 0, or a pattern with %d for every viewer
}

// open dials and starts a console; on failure v.err says where it failed.
func (d *dialer) open(ctx context.Context, v *viewer) {
	v.start = time.Now()
	fail := func(stage string, err error) {
		v.setErr(fmt.Errorf("%s: %w", stage, err))
		if v.sess != nil {
			v.sess.Close()
		}
		if v.client != nil {
			v.client.Close()
		}
	}
	nd := net.Dialer{Timeout: d.cfg.Timeout}
	conn, err := nd.DialContext(ctx, "tcp", d.addr)
	if err != nil {
		fail("dial", err)
		return
	}
	// The handshake has a deadline too: a refused connection may be held
	// open silently.
	conn.SetDeadline(time.Now().Add(d.cfg.Timeout))
	c, chans, reqs, err := ssh.NewClientConn(conn, d.addr, d.cfg)
	if err != nil {
		conn.Close()
		fail("handshake", err)
		return
	}
	conn.SetDeadline(time.Time{})
	v.client = ssh.NewClient(c, chans, reqs)
	if v.sess, err = v.client.NewSession(); err != nil {
		fail("session", err)
		return
	}
	out, err := v.sess.StdoutPipe()
	if err != nil {
		fail("session", err)
		return
	}
	v.sess.Stderr = &v.stderr
	// A stdin that stays open: without one the server would read EOF at
	// once.
	if v.stdin, err = v.sess.StdinPipe(); err != nil {
		fail("session", err)
		return
	}
	if err := v.sess.RequestPty("xterm-256color", d.height, d.width, ssh.TerminalModes{}); err != nil {
		fail("pty", err)
		return
	}
	if err := v.sess.Shell(); err != nil {
		fail("shell", err)
		return
	}
	v.opened = true
	var dump io.WriteCloser
	if name := d.dump; name != "" && (v.i == 0 || strings.Contains(name, "%d")) {
		if strings.Contains(name, "%d") {
			name = fmt.Sprintf(name, v.i)
		}
		if dump, err = os.Create(name); err != nil {
			fail("dump", err)
			return
		}
	}
	go v.read(out, d.current, dump)
}

func (v *viewer) setErr(err error) {
	v.mu.Lock()
	if v.err == nil {
		v.err = err
	}
	v.mu.Unlock()
}

func (v *viewer) error() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.err
}

func (v *viewer) read(r io.Reader, current *atomic.Pointer[change], dump io.WriteCloser) {
	defer close(v.readDone)
	if dump != nil {
		defer dump.Close()
	}
	buf := make([]byte, 16<<10)
	text := make([]byte, 0, 16<<10)
	var s stripper
	var m matcher
	var cur *probe // the probe being watched, and where its text starts
	var curFrom int64
	for {
		n, err := r.Read(buf)
		if n > 0 {
			now := time.Now()
			v.bytes.Add(int64(n))
			if dump != nil {
				dump.Write(buf[:n])
			}
			text = s.strip(text[:0], buf[:n])
			if len(text) > 0 {
				v.firstText.CompareAndSwap(0, int64(now.Sub(v.start)))
			}
			start := m.add(text)
			if c := current.Load(); c != nil && c.seen[v.i].Load() == 0 && m.contains(c.nonce, 0) {
				c.mark(v.i, now.UnixNano())
			}
			if p := v.probe.Load(); p != nil {
				if p != cur {
					// Only what arrives from now on answers a new probe.
					cur, curFrom = p, start
				}
				if p.seen.Load() == 0 && m.contains(p.marker, curFrom) {
					p.mark(now.UnixNano())
				}
			}
			m.trim()
		}
		if err != nil {
			if !v.closing.Load() {
				if err == io.EOF {
					// What the server said last, on stderr or on the screen.
					said := v.stderr.String()
					if said == "" {
						said = strings.TrimSpace(string(m.tail))
					}
					err = fmt.Errorf("the server ended the session (%q)", said)
				}
				v.setErr(fmt.Errorf("died: %w", err))
				v.dead.Store(true)
				if c := current.Load(); c != nil {
					c.mark(v.i, -1)
				}
				if p := v.probe.Load(); p != nil {
					p.mark(-1)
				}
			}
			return
		}
	}
}

// close ends the session and the connection and waits for the reader.
func (v *viewer) close() {
	v.closing.Store(true)
	if v.sess != nil {
		v.sess.Close()
	}
	if v.client != nil {
		v.client.Close()
	}
	if v.opened {
		select {
		case <-v.readDone:
		case <-time.After(5 * time.Second):
		}
	}
}
