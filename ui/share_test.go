package ui

import (
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/charmbracelet/x/ansi"

	"sitrep/model"
)

// Consoles showing the same board at the same second share one frame;
// a console with something of its own on screen draws its own.
func TestConsolesShareTheBoardFrame(t *testing.T) {
	e := newConEnv(t)
	hub := newTestHub(t, e)
	settle(hub)
	open := func(a model.Actor) *Model {
		m := New(Options{Store: e.st, Source: hub, Actor: a, Clock: e.clk, Width: 80, Height: 24})
		t.Cleanup(m.Close)
		return m
	}
	a, b, member := open(conOwner), open(conOwner), open(conMember)
	same := func(x, y *Model) bool {
		vx, vy := x.View().Content, y.View().Content
		return unsafe.StringData(vx) == unsafe.StringData(vy)
	}
	if !same(a, b) {
		t.Fatal("two owners on the same board drew a frame each")
	}
	if same(a, member) {
		t.Fatal("a member shares an owner's frame: the footer strikes through different keys")
	}
	own := a.View().Content
	b.setFlash("something happened", false)
	if same(a, b) || !strings.Contains(b.View().Content, "Something happened.") {
		t.Fatal("a console's own message is not on its own frame")
	}
	b.flash = ""
	b.board.move(b.rows, 1)
	if same(a, b) {
		t.Fatal("a console with its cursor elsewhere shares a frame with one at the top")
	}
	if a.View().Content != own {
		t.Fatal("another console's frame changed this one's")
	}
}

// Someone coming online wakes no screen: each shows it at its next beat.
func TestPresenceShowsAtTheBeat(t *testing.T) {
	e := newConEnv(t)
	hub := newTestHub(t, e)
	settle(hub)
	m := New(Options{Store: e.st, Source: hub, Actor: conOwner, Clock: e.clk, Width: 120, Height: 30})
	t.Cleanup(m.Close)
	sub, stop := hub.Subscribe()
	defer stop()
	leave := hub.Join("zoe")
	defer leave()
	waitFor(t, "zoe to be online", func() bool { return slices.Contains(hub.Snapshot().Online, "zoe") })
	select {
	case <-sub:
		t.Fatal("someone coming online signalled every screen")
	default:
	}
	if strings.Contains(m.View().Content, "zoe") {
		t.Fatal("zoe is on the screen before its beat")
	}
	m.Update(tickMsg{})
	if !strings.Contains(ansi.Strip(m.View().Content), "online: zoe") {
		t.Fatalf("after the beat, zoe is not online on the screen:\n%s", m.View().Content)
	}
}
