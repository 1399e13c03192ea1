package ssh

import (
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestShutdownEndsConsoles(t *testing.T) {
	h := newHarness(t, nil)
	bob, vera := h.dial("bob"), h.dial("vera")
	p := openPTY(t, bob, 100, 30, true, "")
	if _, ok := p.out.WaitFor(0, "SITREP", 5*time.Second); !ok {
		t.Fatalf("no board: %q", tail(p.out.String(), 300))
	}
	wall := openPTY(t, vera, 100, 30, true, "wall")
	if _, ok := wall.out.WaitFor(0, "SITREP", 5*time.Second); !ok {
		t.Fatalf("no wallboard: %q", tail(wall.out.String(), 300))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	shut := make(chan error, 1)
	go func() { shut <- h.srv.Shutdown(ctx) }()
	for name, s := range map[string]*ptySession{"console": p, "wall": wall} {
		s.waitEnd(t, 5*time.Second)
		if out := s.out.String(); !strings.Contains(out, "shutting down") {
			t.Errorf("%s: the client was not told the server is shutting down: %q", name, tail(out, 300))
		}
	}
	t.Logf("sessions ended %v after Shutdown began", time.Since(start))
	// Shutdown waits for the connections; the clients leave as ssh does
	// when its session ends.
	bob.Close()
	vera.Close()
	select {
	case err := <-shut:
		if err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Shutdown did not return after the clients left")
	}
	t.Logf("Shutdown returned after %v", time.Since(start))
	select {
	case <-h.run.served:
		if h.run.serveErr != nil {
			t.Errorf("Serve returned %v, want nil", h.run.serveErr)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after Shutdown")
	}
	if _, err := h.dialWith(clientConfig()); err == nil {
		t.Error("a new connection was accepted after Shutdown")
	}
}

// Shutdown does not wait forever for a command that does not end: when
// its context ends the server closes what is left, and Serve returns.
func TestShutdownWithARunningCommand(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial("bob")
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Start("sleep"); err != nil {
		t.Fatal(err)
	}
	if !eventually(5*time.Second, func() bool { return h.srv.Sessions() == 1 }) {
		t.Fatalf("sessions: %d", h.srv.Sessions())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	h.srv.Shutdown(ctx) // the deadline passes: the error says so, or is Close's
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Shutdown took %v with a 300ms context", d)
	}
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the command's session did not end after Shutdown's deadline")
	}
	select {
	case <-h.run.served:
		if h.run.serveErr != nil {
			t.Errorf("Serve returned %v, want nil", h.run.serveErr)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
}

// Shutdown called as soon as Serve has been started (a signal at start-up)
// must still stop it.
func TestShutdownRightAfterServe(t *testing.T) {
	h := newHarness(t, nil)
	srv, err := New(h.cfg)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve returned %v, want nil", err)
		}
	case <-time.After(3 * time.Second):
		l.Close()
		t.Fatal("Serve did not return after Shutdown; the listener was left open")
	}
}

// closeRaceListener holds Accept's error after its first Close until it is
// closed a second time (or a moment passes), so the library's Shutdown
// finds the listener still registered: the order that made Shutdown report
// "use of closed network connection" about a close of our own.
type closeRaceListener struct {
	net.Listener
	accepting chan struct{}
	first     sync.Once
	closes    atomic.Int32
	again     chan struct{}
}

func (l *closeRaceListener) Accept() (net.Conn, error) {
	l.first.Do(func() { close(l.accepting) })
	c, err := l.Listener.Accept()
	if err != nil {
		select {
		case <-l.again:
		case <-time.After(200 * time.Millisecond):
		}
	}
	return c, err
}

func (l *closeRaceListener) Close() error {
	err := l.Listener.Close()
	if l.closes.Add(1) == 2 {
		close(l.again)
	}
	return err
}

// Shutdown closes the listeners and so does the library's Shutdown: which
// comes first is a race, and neither may report the other's close.
func TestShutdownClosesListenersOnce(t *testing.T) {
	h := newHarness(t, nil)
	srv, err := New(h.cfg)
	if err != nil {
		t.Fatal(err)
	}
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &closeRaceListener{Listener: inner, accepting: make(chan struct{}), again: make(chan struct{})}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	<-l.accepting
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if n := l.closes.Load(); n != 1 {
		t.Errorf("the listener was closed %d times, want once", n)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve returned %v, want nil", err)
	}
}
