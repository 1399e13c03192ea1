package ssh

import (
	"context"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"sitrep/model"
)

func TestConsoleOverPTY(t *testing.T) {
	h := newHarness(t, nil)
	if _, err := h.st.Declare(context.Background(), setupActor, model.Declaration{Title: "payments slow", Severity: "P1"}); err != nil {
		t.Fatal(err)
	}
	p := openPTY(t, h.dial("bob"), 120, 40, true, "")
	d, ok := p.out.WaitFor(0, "SITREP", 5*time.Second)
	if !ok {
		t.Fatalf("no board within 5s: %q", tail(p.out.String(), 500))
	}
	t.Logf("board after %v", d)
	for _, want := range []string{"payments slow", "INC-1", "bob"} { // bob: online
		if _, ok := p.out.WaitFor(0, want, 2*time.Second); !ok {
			t.Errorf("the board lacks %q", want)
		}
	}
	if n := h.srv.Sessions(); n != 1 {
		t.Errorf("Sessions() = %d with one console open", n)
	}
	// A console login is audited like any other.
	if n := len(h.audit(func(e model.Event) bool { return e.Action == model.EvLogin && e.Actor == "bob" })); n != 1 {
		t.Errorf("login events for the console: %d", n)
	}
}

// A change by one user appears on every open console.
func TestFanOutToFiftyConsoles(t *testing.T) {
	h := newHarness(t, nil)
	const n = 50
	users := []string{"olivia", "alice", "bob", "vera"}
	sessions := make([]*ptySession, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed []string
	for i := range n {
		wg.Go(func() {
			c, err := h.dialWith(clientConfig(gossh.PublicKeys(h.keys[users[i%len(users)]])))
			if err != nil {
				mu.Lock()
				failed = append(failed, err.Error())
				mu.Unlock()
				return
			}
			if sessions[i], err = startPTY(t, c, 140, 40, true, ""); err != nil {
				mu.Lock()
				failed = append(failed, err.Error())
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(failed) > 0 {
		t.Fatalf("%d of %d connections failed: %v", len(failed), n, failed[0])
	}
	for i, s := range sessions {
		// A bound on a hang: fifty race-built consoles starting on a
		// loaded machine have taken over 10 s for the first.
		if _, ok := s.out.WaitFor(0, "SITREP", 30*time.Second); !ok {
			t.Fatalf("console %d shows no board: %q", i, tail(s.out.String(), 300))
		}
	}
	if got := h.srv.Sessions(); got != n {
		t.Errorf("Sessions() = %d, want %d", got, n)
	}
	for round := range 2 {
		title := uniqueTitle("fanout-")
		start := time.Now()
		if round == 0 {
			if _, err := h.st.Declare(context.Background(), setupActor, model.Declaration{Title: title, Severity: "P0"}); err != nil {
				t.Fatal(err)
			}
		} else if _, errOut, code := h.runAs("bob", "declare "+title+" P0"); code != 0 {
			t.Fatalf("declare over ssh: %d %s", code, errOut)
		}
		lat := make([]time.Duration, n)
		missed := make([]bool, n)
		for i, s := range sessions {
			wg.Go(func() {
				_, ok := s.out.WaitFor(0, title, 10*time.Second)
				lat[i], missed[i] = time.Since(start), !ok
			})
		}
		wg.Wait()
		var worst time.Duration
		var sum time.Duration
		for i := range n {
			if missed[i] {
				t.Errorf("round %d: console %d did not show %q within 10s", round, i, title)
			}
			worst = max(worst, lat[i])
			sum += lat[i]
		}
		how := []string{"store write", "ssh exec"}[round]
		t.Logf("fan-out to %d consoles (%s): mean %v, max %v", n, how, (sum / n).Round(time.Millisecond), worst.Round(time.Millisecond))
		if worst > 5*time.Second {
			t.Errorf("round %d: the slowest console took %v (bound 5s)", round, worst)
		}
	}
}

// A burst of window changes (a terminal being resized by dragging) must
// not wedge the connection: sitrep's resize loop stops taking sizes while
// Program.Send blocks and for good once the program ends, charm.land/ssh
// then blocks its request loop on the one-slot window channel, and once
// x/crypto's per-channel request queue (16) is full the connection's
// whole read loop stops.
func TestResizeBurstDoesNotWedgeConnection(t *testing.T) {
	h := newFilledHarness(t, nil)
	c := h.dial("bob")
	p := openPTY(t, c, 400, 200, true, "")
	if _, ok := p.out.WaitFor(0, "SITREP", 5*time.Second); !ok {
		t.Fatal("no board")
	}
	for i := range 60 {
		if err := p.sess.WindowChange(150+50*(i%2), 300+100*(i%2)); err != nil {
			t.Fatalf("window change %d: %v", i, err)
		}
	}
	// The same connection still answers.
	done := make(chan string, 1)
	go func() {
		out, _, _ := run(t, c, "whoami")
		done <- out
	}()
	select {
	case out := <-done:
		if !strings.HasPrefix(out, "bob ") {
			t.Errorf("whoami after a resize burst: %q", out)
		}
	case <-time.After(5 * time.Second):
		t.Error("the connection did not open a new session within 5s of a resize burst")
	}
	// Another burst, and the client leaves with sizes still queued: the
	// server lets go of the session and the connection.
	for i := range 30 {
		p.sess.WindowChange(150+50*(i%2), 300+100*(i%2))
	}
	start := time.Now()
	c.Close()
	if !eventually(5*time.Second, func() bool { return h.srv.Sessions() == 0 && h.srv.conns.Load() == 0 }) {
		t.Errorf("5s after the client left: %d sessions, %d connections", h.srv.Sessions(), h.srv.conns.Load())
	}
	t.Logf("released after %v", time.Since(start))
}

// A panic in a session ends only that session.
func TestPanicInSessionIsRecovered(t *testing.T) {
	h := newHarness(t, nil)
	p := openPTY(t, h.dial("alice"), 120, 40, true, "")
	if _, ok := p.out.WaitFor(0, "SITREP", 5*time.Second); !ok {
		t.Fatal("no board")
	}
	c := h.dial("bob")
	_, errOut, code := run(t, c, "panic")
	if code != 70 {
		t.Errorf("the panicking command exited %d, want 70", code)
	}
	if !strings.Contains(errOut, "internal error") {
		t.Errorf("the panicking client was told %q", errOut)
	}
	log := h.log.String()
	if !strings.Contains(log, "session panic") || !strings.Contains(log, "test panic in exec") || !strings.Contains(log, "user=bob") {
		t.Errorf("the panic is not logged with its user and value: %s", tail(log, 1000))
	}
	// The same connection, a new one, and the open console all still work.
	if out, _, code := run(t, c, "whoami"); code != 0 || !strings.HasPrefix(out, "bob ") {
		t.Errorf("after the panic, on the same connection: %d %q", code, out)
	}
	if out, _, code := h.runAs("vera", "whoami"); code != 0 || !strings.HasPrefix(out, "vera ") {
		t.Errorf("after the panic, a new connection: %d %q", code, out)
	}
	title := uniqueTitle("after-panic-")
	if _, errOut, code := h.runAs("bob", "declare "+title+" P1"); code != 0 {
		t.Fatalf("declare: %d %s", code, errOut)
	}
	if _, ok := p.out.WaitFor(0, title, 5*time.Second); !ok {
		t.Errorf("the console open during the panic no longer updates")
	}
	if !eventually(2*time.Second, func() bool { return h.srv.Sessions() == 1 }) {
		t.Errorf("Sessions() = %d after the panic, want 1 (the console)", h.srv.Sessions())
	}
}

// Goroutines return to where they were once clients leave.
func TestGoroutinesReturnToBaseline(t *testing.T) {
	h := newHarness(t, nil)
	cycle := func(i int) { // in any goroutine
		c, err := h.dialWith(clientConfig(gossh.PublicKeys(h.keys[team[i%len(team)].name])))
		if err != nil {
			t.Errorf("dial %d: %v", i, err)
			return
		}
		defer c.Close()
		if i%2 == 0 {
			if _, _, code := run(t, c, "list"); code != 0 {
				t.Errorf("list: exit %d", code)
			}
			return
		}
		p, err := startPTY(t, c, 100, 30, true, "")
		if err != nil {
			t.Errorf("console %d: %v", i, err)
			return
		}
		if _, ok := p.out.WaitFor(0, "SITREP", 5*time.Second); !ok {
			t.Errorf("console %d: no board", i)
		}
		p.sess.Close()
	}
	// Warm up: first uses start long-lived goroutines (database
	// connections, the runtime's own).
	for i := range 2 {
		cycle(i)
	}
	eventually(5*time.Second, func() bool { return h.srv.Sessions() == 0 })
	base := settledGoroutines()
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() { cycle(i) })
	}
	wg.Wait()
	// The server learns of each client leaving on its own time: the
	// sessions end first (once, a goroutine count within the slack was
	// read while one still ended), then the goroutines are counted.
	if !eventually(10*time.Second, func() bool { return h.srv.Sessions() == 0 }) {
		t.Errorf("Sessions() = %d 10s after every client left", h.srv.Sessions())
	}
	var now int
	ok := eventually(5*time.Second, func() bool {
		now = runtime.NumGoroutine()
		return now <= base+5
	})
	t.Logf("goroutines: baseline %d, after 30 sessions (15 exec, 15 console) %d", base, now)
	if !ok {
		var b strings.Builder
		pprof.Lookup("goroutine").WriteTo(&b, 1)
		t.Errorf("goroutines did not return to baseline %d (+5): %d\n%s", base, now, b.String())
	}
}
